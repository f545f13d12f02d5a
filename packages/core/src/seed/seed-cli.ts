import { coreEnvSchema, parseEnv, startOrExit } from '../config/index.js';
import { Database } from '../db/database.js';
import { verifyDatabase } from '../health/health.js';
import { seedDemo } from './demo.js';

await startOrExit('seed', async () => {
  const env = parseEnv(coreEnvSchema.pick({ DATABASE_URL: true }));
  const db = await Database.connect({ url: env.DATABASE_URL, poolMax: 2 });
  try {
    await verifyDatabase(db);
    const result = await seedDemo(db);
    const lines = [
      result.created ? 'seed: demo data created' : 'seed: demo data already present',
      `Demo sign-ins (password for all: ${result.password}):`,
      ...result.signIns.map(
        (s) => `  ${s.email.padEnd(24)} ${s.role.padEnd(18)} ${s.tenant}${s.tier ? ` (${s.tier})` : ''}`,
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await db.close();
  }
});
