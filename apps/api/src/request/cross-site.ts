import type { MiddlewareHandler } from 'hono';

/** Calls one HTTP request may batch; more is refused before any of them runs or is counted. */
export const MAX_BATCH_CALLS = 20;

/** Only JSON bodies: the three content types a cross-site HTML form can send never reach a procedure. */
const JSON_TYPE = 'application/json';

function refusal(httpStatus: number, code: string, message: string) {
  return { error: { message, code: -32600, data: { code, httpStatus } } };
}

/**
 * Cross-site defences in front of /trpc, before authentication:
 * - a batch of more than MAX_BATCH_CALLS calls is refused (400);
 * - a POST whose body is not JSON — form-urlencoded, multipart or text/plain, what a forged form
 *   sends without a CORS preflight — is refused (415);
 * - a POST carrying cookies, or announcing an Origin, must come from the dashboard's origin (403):
 *   the refresh cookie cannot be spent by another site, nor a sign-in forged from one.
 */
export function crossSiteGuard(appUrl: string): MiddlewareHandler {
  const refusalOf = crossSiteRefusal(appUrl);
  return async (c, next) => {
    const refused = refusalOf({
      path: c.req.path,
      method: c.req.method,
      contentType: c.req.header('content-type'),
      origin: c.req.header('origin'),
      cookie: c.req.header('cookie'),
    });
    if (refused) return c.json(refused.body, refused.status);
    await next();
  };
}

export interface CrossSiteFacts {
  /** `/trpc/…` without the query. */
  path: string;
  method: string;
  contentType: string | undefined;
  origin: string | undefined;
  cookie: string | undefined;
}

/** The guard's answer to a /trpc request, or null to let it through (for Hono and the single-call lane alike). */
export function crossSiteRefusal(
  appUrl: string,
): (request: CrossSiteFacts) => { status: 400 | 403 | 415; body: ReturnType<typeof refusal> } | null {
  const allowedOrigin = new URL(appUrl).origin;
  return ({ path, method, contentType, origin, cookie }) => {
    const procedures = path.slice('/trpc/'.length);
    const calls = procedures ? procedures.split(',').length : 1;
    if (calls > MAX_BATCH_CALLS) {
      const message = `A batch may hold at most ${MAX_BATCH_CALLS} calls; this one has ${calls}`;
      return { status: 400, body: refusal(400, 'BAD_REQUEST', message) };
    }
    if (method === 'POST') {
      const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
      if (mediaType !== JSON_TYPE) {
        const message = `Send a JSON body (Content-Type: ${JSON_TYPE})`;
        return { status: 415, body: refusal(415, 'UNSUPPORTED_MEDIA_TYPE', message) };
      }
      if ((origin !== undefined || Boolean(cookie)) && origin !== allowedOrigin) {
        const message = `Cross-origin request refused: only ${allowedOrigin} may send this`;
        return { status: 403, body: refusal(403, 'FORBIDDEN', message) };
      }
    }
    return null;
  };
}
