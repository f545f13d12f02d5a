import { z } from 'zod';
import { ConfigError } from '../config/env.js';
import { LocalObjectStore } from './local-object-store.js';
import type { ObjectStore } from './object-store.js';

const flag = z
  .enum(['true', 'false'], { message: 'must be "true" or "false"' })
  .default('false')
  .transform((value) => value === 'true');

/** Where tenant files live: a folder on local disk (default) or any S3-compatible bucket. */
export const fileStorageEnvSchema = z.object({
  FILE_STORAGE: z.enum(['local', 's3'], { message: 'must be "local" or "s3"' }).default('local'),
  /** Folder of the local store; every api and worker replica must see the same one. */
  FILE_STORAGE_DIR: z.string().min(1).default('.data/files'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
    .optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ENDPOINT: z.string().url('must be a URL such as https://s3.example.com').optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: flag,
  S3_KEY_PREFIX: z
    .string()
    .regex(/^([a-z0-9][a-z0-9_-]*\/)*$/, 'must be empty or lowercase segments each ending in /, such as prod/')
    .default(''),
});
export type FileStorageEnv = z.infer<typeof fileStorageEnvSchema>;

/**
 * The configured store; a missing bucket or a lone access key stops start-up naming the variable.
 * The S3 SDK is loaded only when S3 is configured: it is large, and every process start pays for it.
 */
export async function createObjectStore(env: FileStorageEnv): Promise<ObjectStore & { close?(): void }> {
  if (env.FILE_STORAGE === 'local') return new LocalObjectStore(env.FILE_STORAGE_DIR);
  if (!env.S3_BUCKET) throw new ConfigError('S3_BUCKET', 'is required when FILE_STORAGE=s3');
  if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY)) {
    const missing = env.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID';
    throw new ConfigError(missing, 'is required when the other S3 key is set');
  }
  const { S3ObjectStore } = await import('./s3-object-store.js');
  return new S3ObjectStore({
    bucket: env.S3_BUCKET,
    region: env.S3_REGION,
    endpoint: env.S3_ENDPOINT,
    accessKeyId: env.S3_ACCESS_KEY_ID,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
    keyPrefix: env.S3_KEY_PREFIX,
  });
}
