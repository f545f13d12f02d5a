import { fileURLToPath } from 'node:url';
import { coreEnvSchema, parseEnv, portSchema } from '@digame/core/config';
import { fileStorageEnvSchema } from '@digame/core/files';
import { metricsEnvSchema } from '@digame/core/health';
import { SettingsKeyring } from '@digame/core/settings';
import { z } from 'zod';
import { isConsoleBuild } from './web-console.js';

function isKeyringSpec(spec: string): boolean {
  try {
    SettingsKeyring.parse(spec);
    return true;
  } catch {
    return false;
  }
}

export const apiEnvSchema = coreEnvSchema
  .extend(fileStorageEnvSchema.shape)
  .extend(metricsEnvSchema.shape)
  .extend({
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
    /** How often an open event stream re-checks its session or key; a revoked one closes within this. */
    EVENTS_RECHECK_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
    /**
     * AES-256 key that encrypts TOTP secrets at rest: 32 random bytes in base64 (`openssl rand -base64 32`).
     * Unset: two-factor enrolment and verification are refused (sign-in still works without MFA).
     */
    MFA_ENCRYPTION_KEY: z
      .string()
      .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 random bytes in base64')
      .optional(),
    /** Failed sign-ins of one account from one address within an hour before that pair is locked out. */
    SIGNIN_MAX_FAILURES: z.coerce.number().int().min(2).max(100).default(5),
    SIGNIN_LOCKOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    /** Self-serve organizations one address may create per hour (platform operators are not limited). */
    SIGNUP_RATE_LIMIT_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(5),
    /**
     * Keys that encrypt secret tenant settings, `keyId:base64key,...` (32-byte keys, e.g.
     * `k1:$(openssl rand -base64 32)`); the first encrypts, all decrypt, so keys rotate by prepending.
     * Unset: secret settings are refused.
     */
    /**
     * The built console (`pnpm --filter @digame/web build` writes apps/web/dist), served by the api
     * itself. In production it defaults to that folder when it holds a build; unset elsewhere (the
     * Vite dev server serves the console in development).
     */
    WEB_DIST_DIR: z
      .string()
      .refine(isConsoleBuild, 'must be a folder with a built console (index.html); run pnpm --filter @digame/web build')
      .optional(),
    SETTINGS_ENCRYPTION_KEYS: z
      .string()
      .refine(isKeyringSpec, 'must be "keyId:base64key,..." with 32-byte base64 keys and unique ids')
      .optional(),
  });

export type ApiConfig = z.infer<typeof apiEnvSchema>;

/** Where `pnpm --filter @digame/web build` puts the console, inside this repository. */
const REPOSITORY_CONSOLE_BUILD = fileURLToPath(new URL('../../web/dist', import.meta.url));

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const config = parseEnv(apiEnvSchema, env);
  if (!config.WEB_DIST_DIR && config.NODE_ENV === 'production' && isConsoleBuild(REPOSITORY_CONSOLE_BUILD)) {
    return { ...config, WEB_DIST_DIR: REPOSITORY_CONSOLE_BUILD };
  }
  return config;
}
