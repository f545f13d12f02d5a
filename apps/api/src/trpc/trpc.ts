import { DomainError, type DomainErrorCode } from '@digame/core/errors';
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { RequestContext } from './context.js';

// ── init ────────────────────────────────────────────────────────────────────────────────────────
const t = initTRPC.context<RequestContext>().create({
  // Never send stacks, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const internal = error.code === 'INTERNAL_SERVER_ERROR';
    return {
      ...shape,
      // An unexpected error's message may hold SQL or internals: clients get a generic one.
      message: internal ? 'Internal server error' : shape.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        fields:
          cause instanceof ZodError ? fieldMessages(cause) : cause instanceof DomainError ? cause.fields : undefined,
        details: cause instanceof DomainError ? cause.details : undefined,
      },
    };
  },
});

function fieldMessages(error: ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.join('.') || '(input)';
    fields[path] ??= issue.message;
  }
  return fields;
}

const TRPC_CODES: Record<DomainErrorCode, TRPCError['code']> = {
  BAD_REQUEST: 'BAD_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
};

/** The one place a DomainError becomes a tRPC error; procedures never catch. */
const domainErrors = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof DomainError) {
      throw new TRPCError({ code: TRPC_CODES[cause.code], message: cause.message, cause });
    }
    if (result.error.code === 'INTERNAL_SERVER_ERROR') {
      ctx.logger.error({ err: cause ?? result.error, path, requestId: ctx.requestId }, 'procedure failed');
    }
  }
  return result;
});

// ── procedures ──────────────────────────────────────────────────────────────────────────────────
export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(domainErrors);
