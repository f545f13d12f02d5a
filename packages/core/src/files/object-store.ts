import type { Readable } from 'node:stream';

/**
 * Where file bytes live. Keys are built by the server (see fileStorageKey) and only ever name
 * objects of one tenant; implementations still refuse any key outside that shape.
 */
export interface ObjectStore {
  /** Stores exactly `sizeBytes` bytes from `body` under `key`; a short or long body fails and stores nothing. */
  put(key: string, body: Readable, sizeBytes: number): Promise<void>;
  /** The object's bytes as a stream; NOT_FOUND (a DomainError) when there is none. */
  get(key: string): Promise<Readable>;
  /** Removes the object; removing one that is not there succeeds. */
  delete(key: string): Promise<void>;
  /** Keys stored under a prefix such as `tenants/42/`, for purging and reconciling. */
  list(prefix: string): Promise<string[]>;
  /**
   * Removes every object under a prefix, uploads still under way included, and whatever the store
   * keeps for them (a local store's folders); returns how many objects went. Safe to repeat.
   */
  deletePrefix(prefix: string): Promise<number>;
}

const SEGMENT = '[a-z0-9][a-z0-9_-]{0,99}';
const KEY_SHAPE = new RegExp(`^${SEGMENT}(/${SEGMENT})*$`);
const PREFIX_SHAPE = new RegExp(`^(${SEGMENT}/)+$`);

/** Refuses anything but lowercase slash-separated segments: no `..`, no leading slash, no dots at all. */
export function assertObjectKey(key: string): void {
  if (!KEY_SHAPE.test(key)) throw new TypeError(`invalid object key: ${JSON.stringify(key)}`);
}

export function assertObjectPrefix(prefix: string): void {
  if (!PREFIX_SHAPE.test(prefix)) throw new TypeError(`invalid object prefix: ${JSON.stringify(prefix)}`);
}

/** Every object of a tenant lives under this prefix. */
export function tenantObjectPrefix(tenantId: number): string {
  if (!Number.isSafeInteger(tenantId) || tenantId <= 0) throw new TypeError(`invalid tenant id: ${tenantId}`);
  return `tenants/${tenantId}/`;
}

/** The key of a tenant's file: derived from the tenant and the server-generated file id only. */
export function fileStorageKey(tenantId: number, fileId: string): string {
  const key = `${tenantObjectPrefix(tenantId)}files/${fileId.toLowerCase()}`;
  assertObjectKey(key);
  return key;
}

/** Raised by put() when the body does not hold exactly the declared number of bytes. */
export class SizeMismatchError extends Error {
  constructor(
    readonly declared: number,
    readonly received: number,
  ) {
    super(`expected ${declared} bytes, received ${received > declared ? 'more' : received}`);
    this.name = 'SizeMismatchError';
  }
}
