// `npm run bench -- <name>`: provision throwaway services (.data/bench), migrate, then run
// bench/<name>.ts. Benchmarks print ratios against a baseline measured in the same run, so the numbers
// compare across machines; they are never assertions in the test suite.
import fs from 'node:fs';
import path from 'node:path';
import { ensureDependencies, pnpm } from './lib/deps.mjs';
import { ROOT, run } from './lib/proc.mjs';
import { ensureServices } from './lib/services.mjs';

const name = process.argv[2] ?? 'request-path';
const file = path.join(ROOT, 'bench', `${name}.ts`);
if (!fs.existsSync(file)) {
  const available = fs.readdirSync(path.join(ROOT, 'bench')).filter((f) => f.endsWith('.ts'));
  console.error(`no benchmark "${name}"; available: ${available.map((f) => f.replace(/\.ts$/, '')).join(', ')}`);
  process.exit(2);
}

await ensureDependencies();
const services = await ensureServices({ dataDir: '.data/bench', fast: true });
const env = { ...process.env, ...services.env, NODE_ENV: 'production', LOG_LEVEL: 'silent' };
let code = 0;
try {
  await pnpm(['--filter', '@digame/core', 'run', 'migrate'], { env });
  await run(path.join(ROOT, 'node_modules/.bin/tsx'), [file, ...process.argv.slice(3)], { env, stdio: 'inherit' });
} catch (error) {
  console.error(error.message);
  code = error.exitCode ?? 1;
} finally {
  await services.stop();
}
process.exit(code);
