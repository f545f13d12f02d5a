import { currentAccessToken } from '../../lib/access-token.js';

/** The api's refusal of an upload, in its words (413 says how many bytes are left, 400 which types). */
export class UploadRefused extends Error {}

/**
 * Sends a logo to the api's file route (`POST /api/files?purpose=logo`): the bytes go beside tRPC,
 * with the same credential; the api stores it and makes it the tenant's branding logo.
 */
export async function uploadLogo(file: File): Promise<void> {
  const token = currentAccessToken();
  const response = await fetch(`/api/files?purpose=logo&name=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    headers: {
      'content-type': file.type || 'application/octet-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: file,
  });
  if (response.ok) return;
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  throw new UploadRefused(body?.error?.message ?? `The upload failed (${response.status})`);
}
