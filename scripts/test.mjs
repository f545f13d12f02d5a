// `npm test [-- <vitest args>]`: install if needed, start private PostgreSQL/Redis/mail sink
// (.data/test), then typecheck, lint and run vitest against them, failing fast. The services are
// stopped in every case (success, failure, Ctrl-C); the exit code is the failing step's.
import fs from 'node:fs';
import path from 'node:path';
import { ensureDependencies, pnpm } from './lib/deps.mjs';
import { ROOT, run, SetupError, stopAll } from './lib/proc.mjs';
import { ensureServices } from './lib/services.mjs';
import { ensurePrograms } from './lib/system.mjs';

const vitestArgs = process.argv.slice(2);
const bin = (name) => path.join(ROOT, 'node_modules/.bin', name);
const report = path.join(ROOT, '.data/test/vitest-report.json');
// The workspace's one vitest config lives beside these scripts, where vitest would not look by itself.
const config = path.join(ROOT, 'scripts/vitest.config.ts');

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.log(`\n${signal}: stopping…`);
    stopAll(); // the running step fails, and main() stops the services on its way out
  });
}

/** Whether the whole suite, or a run naming a path under `folder`, is going to run. */
function runsUnder(args, folder) {
  const paths = args.filter((arg) => !arg.startsWith('-'));
  return paths.length === 0 || paths.some((arg) => path.resolve(ROOT, arg).startsWith(path.join(ROOT, folder)));
}

async function main() {
  await ensureDependencies();
  // The browser tests live in apps/web; the monthly report test (apps/worker) renders its PDF with poppler.
  await ensurePrograms([
    ...(runsUnder(vitestArgs, 'apps/web') ? ['chromium'] : []),
    ...(runsUnder(vitestArgs, 'apps/worker') ? ['pdftoppm'] : []),
  ]);
  const services = await ensureServices({ dataDir: '.data/test', fast: true, s3: true });
  const env = { ...process.env, ...services.env };
  try {
    if (interrupted) return 130;
    // TEST_VITEST_ONLY=1 skips type-check and lint, for a quick rerun of a few files while working.
    if (process.env.TEST_VITEST_ONLY !== '1') {
      console.log('\n> typecheck');
      await pnpm(['-r', '--parallel', 'run', 'typecheck'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
      console.log('\n> biome check .');
      await run(bin('biome'), ['check', '.'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    }
    console.log('\n> vitest run', ...vitestArgs);
    await runVitest(env);
    return 0;
  } catch (err) {
    if (interrupted) return 130;
    console.error(err.message);
    return err.exitCode ?? 1;
  } finally {
    await services.stop();
  }
}

/** vitest run, plus a JSON report turned into one closing "vitest: N passed, N failed" line for CI. */
async function runVitest(env) {
  const ownReporter = vitestArgs.some((arg) => arg.startsWith('--reporter'));
  const reportArgs = ownReporter ? [] : ['--reporter=default', '--reporter=json', `--outputFile.json=${report}`];
  const ownConfig = vitestArgs.some((arg) => arg === '-c' || arg.startsWith('--config'));
  const configArgs = !ownConfig && fs.existsSync(config) ? ['--config', config] : [];
  fs.rmSync(report, { force: true });
  try {
    await run(bin('vitest'), ['run', ...configArgs, ...reportArgs, ...vitestArgs], {
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } finally {
    summarize();
  }
}

function summarize() {
  try {
    const r = JSON.parse(fs.readFileSync(report, 'utf8'));
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    console.log(`\nvitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  } catch {
    // No report (vitest crashed, or the caller chose its own reporter): vitest's own output says it all.
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof SetupError || err.exitCode ? err.message : err.stack);
    process.exit(err.exitCode ?? 1);
  },
);
