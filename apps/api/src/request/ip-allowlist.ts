import { BlockList, isIP } from 'node:net';

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
