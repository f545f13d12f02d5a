export { ConfigError, type CoreEnv, coreEnvSchema, migrationEnvSchema, parseEnv, portSchema } from './env.js';
export { startOrExit } from './fail-fast.js';
