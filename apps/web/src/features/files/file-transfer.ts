import { currentAccessToken } from '../../lib/access-token.js';
import { renewSession } from '../../lib/session.js';

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
 * Streams one file to `POST /api/files` (the body is the raw bytes, so the api reserves the
 * declared size against the quota before storing any). XMLHttpRequest, because it is the browser
 * API that reports upload progress.
 */
export function uploadFile(file: File, onProgress: (loadedBytes: number) => void, signal: AbortSignal): Promise<void> {
  return withFreshToken(
    (token) =>
      new Promise<void>((resolve, reject) => {
        const request = new XMLHttpRequest();
        request.open('POST', `/api/files?name=${encodeURIComponent(file.name)}`);
        request.setRequestHeader('content-type', file.type || 'application/octet-stream');
        if (token) request.setRequestHeader('authorization', `Bearer ${token}`);
        request.upload.onprogress = (event) => onProgress(event.loaded);
        request.onload = () => {
          if (request.status >= 200 && request.status < 300) {
            onProgress(file.size);
            resolve();
          } else reject(refusal(request.status, parseJson(request.responseText) as ErrorBody | null));
        };
        request.onerror = () => reject(new TransferRefused('The api could not be reached', 0, null));
        request.onabort = () => reject(new TransferRefused('Upload cancelled', 0, 'cancelled'));
        signal.addEventListener('abort', () => request.abort(), { once: true });
        request.send(file);
      }),
  );
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
