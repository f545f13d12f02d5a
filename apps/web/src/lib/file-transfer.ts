import { currentAccessToken } from './access-token.js';
import { renewSession } from './session.js';

/** The api's refusal of a transfer, in its words, with its code (413 says how many bytes are left). */
export class TransferRefused extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string | null,
    /** Facts of the refusal, e.g. `availableBytes` of a storage_quota_exceeded. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

interface ErrorBody {
  error?: { message?: string; details?: { reason?: string } & Record<string, unknown> };
}

function refusal(status: number, body: ErrorBody | null): TransferRefused {
  return new TransferRefused(
    body?.error?.message ?? `The transfer failed (${status})`,
    status,
    body?.error?.details?.reason ?? null,
    body?.error?.details ?? {},
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * Runs a transfer with the tab's access token; an expired token is renewed once and the transfer
 * retried, the way the tRPC client recovers, because a long upload can outlive a token.
 */
async function withFreshToken<T>(send: (token: string | null) => Promise<T>): Promise<T> {
  try {
    return await send(currentAccessToken());
  } catch (error) {
    if (!(error instanceof TransferRefused) || error.status !== 401 || !(await renewSession())) throw error;
    return send(currentAccessToken());
  }
}

/**
 * Streams a file as the raw body of a POST (the api reads `Content-Length` first: a file's size
 * against the quota, an archive's against its limit) and resolves with the answer's JSON.
 * XMLHttpRequest, because it is the browser API that reports upload progress.
 */
export function postFile<T>(
  url: string,
  file: File,
  onProgress: (loadedBytes: number) => void,
  signal: AbortSignal,
): Promise<T> {
  return withFreshToken(
    (token) =>
      new Promise<T>((resolve, reject) => {
        const request = new XMLHttpRequest();
        request.open('POST', url);
        request.setRequestHeader('content-type', file.type || 'application/octet-stream');
        if (token) request.setRequestHeader('authorization', `Bearer ${token}`);
        request.upload.onprogress = (event) => onProgress(event.loaded);
        request.onload = () => {
          const body = parseJson(request.responseText);
          if (request.status >= 200 && request.status < 300) {
            onProgress(file.size);
            resolve(body as T);
          } else reject(refusal(request.status, body as ErrorBody | null));
        };
        request.onerror = () => reject(new TransferRefused('The api could not be reached', 0, null));
        request.onabort = () => reject(new TransferRefused('Upload cancelled', 0, 'cancelled'));
        signal.addEventListener('abort', () => request.abort(), { once: true });
        request.send(file);
      }),
  );
}

/** One file into the organization's storage (`POST /api/files`); the api reserves its size first. */
export async function uploadFile(file: File, onProgress: (loadedBytes: number) => void, signal: AbortSignal) {
  await postFile(`/api/files?name=${encodeURIComponent(file.name)}`, file, onProgress, signal);
}

/** Fetches a file's bytes with the tab's credential and hands them to the browser as a download. */
export async function downloadFile(id: string, name: string): Promise<void> {
  const blob = await withFreshToken(async (token) => {
    const response = await fetch(`/api/files/${encodeURIComponent(id)}/content`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    if (!response.ok) throw refusal(response.status, (await response.json().catch(() => null)) as ErrorBody | null);
    return response.blob();
  });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
