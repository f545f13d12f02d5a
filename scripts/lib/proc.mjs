// Small process helpers shared by start.mjs, test.mjs and services.mjs.
// Plain Node only: these scripts run before `pnpm install`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Repository root (scripts/lib/../..), so the scripts work from any cwd. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** An expected failure (missing binary, server that would not start): print the message, no stack. */
export class SetupError extends Error {}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Children started through spawnTracked(), so a signal handler can stop whatever is running.
const tracked = new Set();

/**
 * Spawn a child. By default it gets its own process group (detached): a Ctrl-C in the terminal
 * then reaches only us, and we decide the order of shutdown (children first, then databases).
 * `foreground: true` keeps it in our group, for commands that may prompt on the terminal.
 */
export function spawnTracked(cmd, args, { foreground = false, track = true, ...opts } = {}) {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', detached: !foreground, ...opts });
  child.group = !foreground;
  child.done = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // A spawn failure (ENOENT) may emit "error" and never "exit".
    child.once('error', (error) => resolve({ code: 127, signal: null, error }));
  });
  if (track) {
    tracked.add(child);
    child.done.then(() => tracked.delete(child));
  }
  return child;
}

/** Send a signal to a child (its whole process group when detached); ignore ones already gone. */
export function signalChild(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  try {
    process.kill(child.group ? -child.pid : child.pid, signal);
  } catch (err) {
    if (err.code !== 'ESRCH') throw err;
  }
}

/** SIGTERM, then SIGKILL after `graceMs` if it is still there. Resolves once it has exited. */
export async function stopChild(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  signalChild(child, 'SIGTERM');
  const timer = setTimeout(() => signalChild(child, 'SIGKILL'), graceMs);
  await child.done;
  clearTimeout(timer);
  // The group leader may be gone while grandchildren (e.g. tsx's node) linger.
  signalChild(child, 'SIGKILL');
}

/** Stop every tracked child (used by the signal handlers of start.mjs / test.mjs). */
export const stopAll = () => Promise.all([...tracked].map((child) => stopChild(child)));

/**
 * Run a command to completion. Resolves with its output when `capture` is set; rejects with
 * `err.exitCode` set when it exits non-zero. `input` is written to its stdin.
 */
export async function run(cmd, args, { capture = false, input, ...opts } = {}) {
  const stdio = capture ? ['pipe', 'pipe', 'pipe'] : [input === undefined ? 'ignore' : 'pipe', 'inherit', 'inherit'];
  const child = spawnTracked(cmd, args, { stdio, ...opts });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  if (child.stdin) child.stdin.end(input ?? '');
  const { code, signal, error } = await child.done;
  if (code === 0) return output;
  const why = error ? error.message : signal ? `killed by ${signal}` : `exit code ${code}`;
  const err = new Error(`${[cmd, ...args].join(' ')} failed (${why})${output ? `\n${output.trim()}` : ''}`);
  err.exitCode = code || 1;
  throw err;
}
