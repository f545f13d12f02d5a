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
  const allowedOrigin = new URL(appUrl).origin;
  return async (c, next) => {
    const procedures = c.req.path.slice('/trpc/'.length);
    const calls = procedures ? procedures.split(',').length : 1;
    if (calls > MAX_BATCH_CALLS) {
      return c.json(
        refusal(400, 'BAD_REQUEST', `A batch may hold at most ${MAX_BATCH_CALLS} calls; this one has ${calls}`),
        400,
      );
    }
    if (c.req.method === 'POST') {
      const contentType = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
      if (contentType !== JSON_TYPE) {
        return c.json(refusal(415, 'UNSUPPORTED_MEDIA_TYPE', `Send a JSON body (Content-Type: ${JSON_TYPE})`), 415);
      }
      const origin = c.req.header('origin');
      const carriesCookies = Boolean(c.req.header('cookie'));
      if ((origin !== undefined || carriesCookies) && origin !== allowedOrigin) {
        return c.json(
          refusal(403, 'FORBIDDEN', `Cross-origin request refused: only ${allowedOrigin} may send this`),
          403,
        );
      }
    }
    await next();
  };
}
