import { migrationEnvSchema, parseEnv, startOrExit } from '../config/index.js';
import { migrate } from './migrate.js';

await startOrExit('migrate', async () => {
  const env = parseEnv(migrationEnvSchema);
  const applied = await migrate({
    migrationUrl: env.DATABASE_MIGRATION_URL,
    appUrl: env.DATABASE_URL,
    globalUrl: env.DATABASE_GLOBAL_URL,
  });
  process.stdout.write(applied.length ? `migrate: applied ${applied.join(', ')}\n` : 'migrate: schema is up to date\n');
});
