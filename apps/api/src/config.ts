import { coreEnvSchema, parseEnv, portSchema } from '@digame/core/config';
import { z } from 'zod';

export const apiEnvSchema = coreEnvSchema.extend({
  PORT: portSchema.default(3000),
  /** Public URL of the dashboard, used in links sent by email and for the allowed browser origin. */
  APP_URL: z.string().url('must be a URL such as https://tenancy.example.com').default('http://localhost:5173'),
});

export type ApiConfig = z.infer<typeof apiEnvSchema>;

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return parseEnv(apiEnvSchema, env);
}
