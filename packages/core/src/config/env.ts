import { z } from 'zod';

/** A setting that stops the process: the message names the variable so one line says what to fix. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

const postgresUrl = z
  .string()
  .url('must be a URL such as postgres://user:password@host:5432/db')
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must start with postgres:// or postgresql://');

const redisUrl = z
  .string()
  .url('must be a URL such as redis://host:6379')
  .refine((value) => /^rediss?:\/\//.test(value), 'must start with redis:// or rediss://');

/** Fragments are combined per app, so each process validates exactly what it uses. */
export const coreEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: postgresUrl,
  /** Role of global units of work; unset: DATABASE_URL with the role `<app role>_global` (see db/migrate.ts). */
  DATABASE_GLOBAL_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: redisUrl,
  /** Prefix of every Redis key and queue; a hash tag keeps a deployment's keys together on Redis Cluster. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:{}_-]+$/, 'may hold letters, digits and : { } _ -')
    .default('{digame}'),
});

/** Outgoing mail: the SMTP server and the sender every message carries. */
export const mailEnvSchema = z.object({
  SMTP_URL: z
    .string()
    .url('must be a URL such as smtp://user:password@host:587')
    .refine((value) => /^smtps?:\/\//.test(value), 'must start with smtp:// or smtps://'),
  MAIL_FROM: z
    .string()
    .regex(/^([^<>]*<)?[^\s@<>]+@[^\s@<>]+>?$/, 'must be an address such as "Digame <no-reply@example.com>"')
    .default('Digame Tenancy <no-reply@digame.local>'),
});

export const migrationEnvSchema = z.object({
  DATABASE_MIGRATION_URL: postgresUrl,
  DATABASE_URL: postgresUrl,
  DATABASE_GLOBAL_URL: postgresUrl.optional(),
});

export const portSchema = z.coerce.number().int().min(0).max(65535);

/**
 * Parses the environment once at start-up. The first failing variable becomes a ConfigError,
 * so the caller can print one line and exit instead of a stack trace.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = String(issue?.path[0] ?? 'environment');
  const detail = env[variable] === undefined || env[variable] === '' ? 'is required' : (issue?.message ?? 'is invalid');
  throw new ConfigError(variable, detail);
}

export type CoreEnv = z.infer<typeof coreEnvSchema>;
