import { ConfigError } from './env.js';

/**
 * Runs a process's start-up; a configuration problem ends the process with one line on stderr
 * (exit 1). Anything else is a real bug and keeps its stack.
 */
export async function startOrExit(name: string, start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
