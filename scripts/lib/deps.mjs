// Installs the workspace's packages when needed, and runs pnpm at the exact pinned version.
// Corepack is not usable on every machine we run on, so pnpm comes through npx (npm's own cache).
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, run } from './proc.mjs';

export const PNPM_VERSION = '12.4.2';

let pnpmCommand;

/** [command, ...leading args] that runs pnpm PNPM_VERSION: a local one if installed, else npx. */
export function pnpmArgv(args = []) {
  if (!pnpmCommand) {
    pnpmCommand = ['npx', '--yes', `pnpm@${PNPM_VERSION}`];
    // Only a local pnpm of exactly the pinned version may be used: another version could rewrite the lockfile.
    const local = join(ROOT, 'node_modules/.bin/pnpm');
    if (existsSync(local)) {
      try {
        const version = execFileSync(local, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        if (version.trim() === PNPM_VERSION) pnpmCommand = [local];
      } catch {
        // Broken local install: fall back to npx.
      }
    }
  }
  return [...pnpmCommand, ...args];
}

/** Run pnpm with `args`; resolves on exit code 0, rejects (err.exitCode) otherwise. Options as proc.run. */
export function pnpm(args, opts = {}) {
  const [cmd, ...argv] = pnpmArgv(args);
  return run(cmd, argv, opts);
}

/** `pnpm install --frozen-lockfile` when node_modules is missing or older than the lockfile. */
export async function ensureDependencies() {
  const marker = join(ROOT, 'node_modules/.modules.yaml');
  const lockfile = join(ROOT, 'pnpm-lock.yaml');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lockfile).mtimeMs) return;
  console.log(`Installing dependencies with pnpm ${PNPM_VERSION}…`);
  // Foreground with the terminal: pnpm may ask before it rebuilds node_modules.
  await pnpm(['install', '--frozen-lockfile'], { foreground: true, stdio: 'inherit' });
  // pnpm leaves .modules.yaml untouched when nothing changed; touch it so we don't reinstall every run.
  const now = new Date();
  utimesSync(marker, now, now);
}
