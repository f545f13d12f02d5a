import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';

type TRPCErrorCode = keyof typeof TRPC_ERROR_CODES_BY_KEY;

/**
 * The body tRPC itself sends for an error, for the few answers on /trpc given before tRPC runs
 * (body too large, an unexpected failure in a middleware): typed clients parse every error alike.
 */
export function trpcErrorBody(
  code: TRPCErrorCode,
  httpStatus: number,
  message: string,
  details?: Record<string, unknown>,
) {
  return { error: { message, code: TRPC_ERROR_CODES_BY_KEY[code], data: { code, httpStatus, details } } };
}
