import { request } from 'node:http';
import type { TestApi } from './test-api.js';

/** A created file's fields on success, or the refusal on failure (a test reading the wrong one fails). */
export interface UploadBody {
  id: string;
  error: { code: string; message: string; fields?: Record<string, string>; details?: Record<string, unknown> };
  [field: string]: unknown;
}

export interface UploadResult {
  status: number;
  body: UploadBody;
  headers: Headers;
}

/** POST /api/files with raw bytes, as a client would stream them. */
export async function uploadBytes(
  api: TestApi,
  token: string | null,
  bytes: Buffer,
  options: { name?: string; contentType?: string; purpose?: 'logo' | string } = {},
): Promise<UploadResult> {
  const query = new URLSearchParams({ name: options.name ?? 'file.bin' });
  if (options.purpose) query.set('purpose', options.purpose);
  const response = await fetch(`${api.url}/api/files?${query}`, {
    method: 'POST',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      'content-type': options.contentType ?? 'application/octet-stream',
    },
    body: bytes,
  });
  return { status: response.status, body: (await response.json()) as UploadBody, headers: response.headers };
}

/** GET a path of the api with a bearer token; the body as bytes. */
export async function getBytes(api: TestApi, token: string | null, path: string) {
  const response = await fetch(`${api.url}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/**
 * Starts an upload that declares `declared` bytes and sends only `sent` of them; drop() then cuts
 * the connection, like a client that goes away mid-upload, and resolves once it is gone.
 */
export function partialUpload(api: TestApi, token: string, declared: number, sent: number): { drop(): Promise<void> } {
  const url = new URL(`${api.url}/api/files?name=partial.bin`);
  const req = request(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/octet-stream',
      'content-length': String(declared),
    },
  });
  const closed = new Promise<void>((resolve) => {
    req.on('error', () => resolve());
    req.on('close', () => resolve());
  });
  req.write(Buffer.alloc(sent, 1));
  return {
    drop() {
      req.destroy();
      return closed;
    },
  };
}

/** Polls until `check` returns a value other than undefined (bounded: fails after 20 s). */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
