/** Starting the measured processes, each pinned to a core when the machine has two or more. */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadCommand, LoadReply } from './load-protocol.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Servers (and their databases) share CPU 0; the load generator gets CPU 1. */
export const SERVER_CPU = 0;
export const LOAD_CPU = 1;

export const canPin = (() => {
  if (os.availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Pins a running process and all its threads to one CPU (no-op where taskset is missing). */
export function pinProcess(pid: number, cpu: number): void {
  if (!canPin) return;
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

export interface Server {
  name: string;
  child: ChildProcess;
  /** The first line the process printed on stdout (baselines print their ports there). */
  firstLine?: string;
  stop(): Promise<void>;
}

/**
 * Runs a TypeScript entry point under Node (tsx as an import hook, so plain Node flags such as
 * --cpu-prof apply), pinned to the servers' CPU. stdout is dropped unless `readFirstLine` (pino's
 * request lines go there, as in production); stderr is kept for the failure message.
 */
export async function startServer(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  { readFirstLine = false, nodeFlags = [] as string[] } = {},
): Promise<Server> {
  const args = [...nodeFlags, '--import', 'tsx', path.join(ROOT, entry)];
  const [command, argv] = canPin
    ? ['taskset', ['-c', String(SERVER_CPU), process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(command as string, argv as string[], {
    cwd: ROOT,
    env,
    stdio: ['ignore', readFirstLine ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const server: Server = {
    name,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
      await exited;
      clearTimeout(timer);
    },
  };
  if (readFirstLine) {
    server.firstLine = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk) => {
        out += chunk;
        const end = out.indexOf('\n');
        if (end >= 0) resolve(out.slice(0, end));
      });
      exited.then((code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${stderr}`)));
    });
  }
  exited.then((code) => {
    if (code !== 0 && code !== null && !stopping) console.error(`${name} exited with ${code}:\n${stderr}`);
  });
  return server;
}

let stopping = false;
export function markStopping(): void {
  stopping = true;
}

/** Waits until `url` answers 200 (or `timeoutMs` passes). */
export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export interface LoadGenerator {
  send<K extends LoadReply['kind']>(command: LoadCommand): Promise<Extract<LoadReply, { kind: K }>>;
  stop(): Promise<void>;
}

/** The load process (bench/lib/load-process.ts) on the load CPU, driven over IPC. */
export async function startLoadGenerator(env: NodeJS.ProcessEnv): Promise<LoadGenerator> {
  const child = fork(path.join(ROOT, 'bench/lib/load-process.ts'), [], {
    cwd: ROOT,
    env,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise((resolve) => child.once('spawn', resolve));
  if (child.pid) pinProcess(child.pid, LOAD_CPU);
  let next = 0;
  const waiting = new Map<number, { resolve(reply: LoadReply): void; reject(error: Error): void }>();
  child.on('message', (message: { id: number; reply?: LoadReply; error?: string }) => {
    const entry = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error !== undefined) entry?.reject(new Error(message.error));
    else if (message.reply) entry?.resolve(message.reply);
  });
  child.once('exit', (code) => {
    for (const entry of waiting.values()) entry.reject(new Error(`load process exited (${code})`));
  });
  return {
    send(command) {
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (reply: LoadReply) => void, reject });
        child.send({ id, command });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ id: next++, command: { kind: 'exit' } });
      await exited;
    },
  };
}

/** Resident memory of a process in MiB, read from /proc (null where there is none). */
export function residentMiB(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : null;
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system) a process has used so far, in ms, from /proc; null where there is none.
 * Unlike latency it hardly moves with other load on the machine.
 */
export function cpuMs(pid: number): number | null {
  try {
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    // Linux reports clock ticks of 1/100 s (USER_HZ) to user space.
    return Number.isFinite(ticks) ? ticks * 10 : null;
  } catch {
    return null;
  }
}

/** A port free on the loopback interface right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
