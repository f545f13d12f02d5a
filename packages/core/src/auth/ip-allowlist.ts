import { BlockList, isIP } from 'node:net';
import { DomainError } from '../errors/domain-error.js';

const lists = new Map<string, BlockList>();

/** A BlockList per distinct allowlist, built once: CIDR parsing stays off the request path. */
function blockListFor(cidrs: readonly string[]): BlockList {
  const cacheKey = cidrs.join(',');
  let list = lists.get(cacheKey);
  if (!list) {
    list = new BlockList();
    for (const cidr of cidrs) {
      const [address = '', bits] = cidr.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      const prefix = bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits);
      list.addSubnet(address, prefix, family);
    }
    if (lists.size > 1_000) lists.clear();
    lists.set(cacheKey, list);
  }
  return list;
}

/** True when the allowlist is empty or the address falls in one of its CIDR blocks. */
export function isAddressAllowed(address: string | null, cidrs: readonly string[]): boolean {
  if (cidrs.length === 0) return true;
  if (!address) return false;
  const normalized = address.startsWith('::ffff:') ? address.slice(7) : address;
  const family = isIP(normalized);
  if (family === 0) return false;
  return blockListFor(cidrs).check(normalized, family === 6 ? 'ipv6' : 'ipv4');
}

/** A CIDR block (`10.0.0.0/8`, `2001:db8::/32`) or a single address, normalised; null if malformed. */
export function normalizeCidr(value: string): string | null {
  const [address = '', bits, extra] = value.trim().split('/');
  if (extra !== undefined) return null;
  const family = isIP(address);
  if (family === 0) return null;
  const max = family === 6 ? 128 : 32;
  if (bits === undefined) return `${address}/${max}`;
  if (!/^[0-9]{1,3}$/.test(bits) || Number(bits) > max) return null;
  return `${address}/${Number(bits)}`;
}

/**
 * Checks an allowlist a member wants to save: every entry must be a CIDR block, and the list must
 * still admit the address of the member saving it — otherwise they would lock themselves out.
 * Returns the normalised list, or throws BAD_REQUEST / PRECONDITION_FAILED naming the problem.
 */
export function validateIpAllowlistChange(entries: readonly string[], callerAddress: string | null): string[] {
  const fields: Record<string, string> = {};
  const normalized: string[] = [];
  entries.forEach((entry, index) => {
    const cidr = normalizeCidr(entry);
    if (cidr) normalized.push(cidr);
    else fields[`ipAllowlist.${index}`] = `"${entry}" is not an IP address or CIDR block`;
  });
  if (Object.keys(fields).length > 0) {
    throw new DomainError('BAD_REQUEST', 'The IP allowlist has invalid entries', { fields });
  }
  if (!isAddressAllowed(callerAddress, normalized)) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `This allowlist would lock you out: your address ${callerAddress ?? '(unknown)'} is not on it`,
      { details: { reason: 'allowlist_excludes_caller', address: callerAddress } },
    );
  }
  return normalized;
}
