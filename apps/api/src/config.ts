import { coreEnvSchema, parseEnv, portSchema } from '@digame/core/config';
import { z } from 'zod';

export const apiEnvSchema = coreEnvSchema.extend({
  PORT: portSchema.default(3000),
  /** Public URL of the dashboard: links in emails point here and it is the allowed browser origin. */
  APP_URL: z.string().url('must be a URL such as https://tenancy.example.com').default('http://localhost:5173'),
  /** HMAC key for access tokens; at least 32 characters of randomness (e.g. `openssl rand -base64 48`). */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  /** Whether anyone may create a tenant (self-serve sign-up) or only platform operators. */
  SELF_SERVE_SIGNUP: z.enum(['open', 'closed'], { message: 'must be "open" or "closed"' }).default('open'),
  /** Trust X-Forwarded-For from this many proxies in front of the api (0 = use the socket address). */
  TRUSTED_PROXIES: z.coerce.number().int().min(0).max(10).default(0),
});

export type ApiConfig = z.infer<typeof apiEnvSchema>;

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return parseEnv(apiEnvSchema, env);
}
