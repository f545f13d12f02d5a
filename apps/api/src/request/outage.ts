import { outageError } from '@digame/core/errors';
import { type AuthenticateDeps, type AuthenticateInput, authenticate } from './authenticate.js';
import { ANONYMOUS, type Caller } from './caller.js';

/**
 * authenticate(), with an unreachable PostgreSQL or Redis turned into the caller's refusal
 * (503 SERVICE_UNAVAILABLE with Retry-After), so the procedure ladder answers it in tRPC's shape
 * and REST's like any other refusal, at once, instead of a 500.
 */
export async function authenticateOrRefuse(deps: AuthenticateDeps, input: AuthenticateInput): Promise<Caller> {
  try {
    return await authenticate(deps, input);
  } catch (error) {
    const outage = outageError(error);
    if (!outage) throw error;
    return { ...ANONYMOUS, refusal: outage };
  }
}
