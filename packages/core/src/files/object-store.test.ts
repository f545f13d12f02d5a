import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../errors/domain-error.js';
import { createTestBucket, createTestFolder } from '../testing/object-stores.js';
import { LocalObjectStore } from './local-object-store.js';
import { fileStorageKey, type ObjectStore, SizeMismatchError, tenantObjectPrefix } from './object-store.js';
import { createObjectStore, fileStorageEnvSchema } from './storage-config.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const chunked = (...parts: Buffer[]) => Readable.from(parts);

const stores: { name: string; open(): Promise<{ store: ObjectStore; close(): Promise<void> }> }[] = [
  {
    name: 'local disk',
    async open() {
      const folder = await createTestFolder();
      return { store: new LocalObjectStore(folder.dir), close: folder.remove };
    },
  },
  {
    name: 'S3 (the test S3 server)',
    async open() {
      const store = await createObjectStore(fileStorageEnvSchema.parse(await createTestBucket()));
      return { store, close: async () => store.close?.() };
    },
  },
];

describe.each(stores)('$name object store', ({ open }) => {
  let store: ObjectStore;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await open());
  });
  afterAll(() => close());

  const key = (tenantId: number) => fileStorageKey(tenantId, crypto.randomUUID());

  it('stores a streamed body and gives back exactly its bytes', async () => {
    const name = key(1);
    const parts = [randomBytes(70_000), randomBytes(1), randomBytes(33_333)];
    await store.put(name, chunked(...parts), 103_334);
    expect((await readAll(await store.get(name))).equals(Buffer.concat(parts))).toBe(true);
  });

  it('stores a body larger than one S3 part (sent as a multipart upload) and refuses one a byte too long', async () => {
    const name = key(5);
    const bytes = randomBytes(6 * 1024 * 1024 + 17);
    const parts = [bytes.subarray(0, 3_000_000), bytes.subarray(3_000_000)];
    await store.put(name, chunked(...parts), bytes.length);
    expect((await readAll(await store.get(name))).equals(bytes)).toBe(true);
    const tooLong = key(6);
    await expect(store.put(tooLong, chunked(bytes, Buffer.from('!')), bytes.length)).rejects.toBeInstanceOf(
      SizeMismatchError,
    );
    expect(await store.list(tenantObjectPrefix(6))).toEqual([]);
  });

  it('stores an empty object', async () => {
    const name = key(1);
    await store.put(name, chunked(), 0);
    expect((await readAll(await store.get(name))).length).toBe(0);
  });

  it('refuses a body longer or shorter than declared and stores nothing of it', async () => {
    const longer = key(2);
    await expect(store.put(longer, chunked(randomBytes(600), randomBytes(600)), 1000)).rejects.toBeInstanceOf(
      SizeMismatchError,
    );
    await expect(store.get(longer)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const shorter = key(2);
    await expect(store.put(shorter, chunked(randomBytes(999)), 1000)).rejects.toBeInstanceOf(SizeMismatchError);
    await expect(store.get(shorter)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await store.list(tenantObjectPrefix(2))).toEqual([]);
  });

  it('fails the put when the body stream itself fails, leaving nothing behind', async () => {
    const name = key(3);
    const broken = new Readable({
      read() {
        this.push(randomBytes(100));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(store.put(name, broken, 1000)).rejects.toThrow();
    expect(await store.list(tenantObjectPrefix(3))).toEqual([]);
  });

  it('lists a tenant’s objects under its own prefix only, and deletes idempotently', async () => {
    const mine = [key(10), key(10)];
    const theirs = key(100);
    for (const name of [...mine, theirs]) await store.put(name, chunked(Buffer.from('x')), 1);
    expect(await store.list(tenantObjectPrefix(10))).toEqual([...mine].sort());
    await store.delete(mine[0] as string);
    await store.delete(mine[0] as string);
    expect(await store.list(tenantObjectPrefix(10))).toEqual([mine[1]]);
    expect(await store.list(tenantObjectPrefix(100))).toEqual([theirs]);
  });

  it('answers NOT_FOUND for an object that is not there', async () => {
    const error = await store.get(key(4)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('NOT_FOUND');
  });

  it.each([
    '../etc/passwd',
    'tenants/1/../2/files/x',
    '/tenants/1/files/x',
    'tenants/1/files/x/',
    'tenants//1',
    'tenants/1/files/X',
    'tenants/1/files/a.b',
    'tenants/1/files/%2e%2e',
    'tenants\\1',
    '',
  ])('refuses the key %j before touching storage', async (bad) => {
    await expect(store.put(bad, chunked(Buffer.from('x')), 1)).rejects.toThrow(TypeError);
    await expect(store.get(bad)).rejects.toThrow(TypeError);
    await expect(store.delete(bad)).rejects.toThrow(TypeError);
  });
});

describe('file storage configuration', () => {
  it('defaults to local disk and requires a bucket for S3', async () => {
    const local = fileStorageEnvSchema.parse({});
    expect(local.FILE_STORAGE).toBe('local');
    expect(await createObjectStore(local)).toBeInstanceOf(LocalObjectStore);
    await expect(createObjectStore(fileStorageEnvSchema.parse({ FILE_STORAGE: 's3' }))).rejects.toThrow(
      'S3_BUCKET: is required when FILE_STORAGE=s3',
    );
    await expect(
      createObjectStore(fileStorageEnvSchema.parse({ FILE_STORAGE: 's3', S3_BUCKET: 'b1b', S3_ACCESS_KEY_ID: 'k' })),
    ).rejects.toThrow('S3_SECRET_ACCESS_KEY');
  });
});
