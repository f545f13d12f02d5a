/**
 * A job failure that retrying cannot fix (invalid payload, unknown tenant). The worker turns it
 * into BullMQ's UnrecoverableError, so the job fails at once and shows among recent failures.
 */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}
