export {
  ConfigError,
  type CoreEnv,
  coreEnvSchema,
  mailEnvSchema,
  migrationEnvSchema,
  parseEnv,
  portSchema,
} from './env.js';
export { startOrExit } from './fail-fast.js';
