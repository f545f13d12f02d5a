import { inject } from 'vitest';

/** Connection facts the global setup hands to every test file. */
export interface TestServices {
  /** Owner connection to the maintenance database, used to create and drop per-file databases. */
  ownerUrl: string;
  /** App-role connection template (database name replaced per file). */
  appUrl: string;
  redisUrl: string;
  templateDatabase: string;
  /** Names this run's databases, so cleanup never touches another run's. */
  runId: string;
  smtpUrl?: string;
  mailSinkUrl?: string;
  /** The S3 protocol server the test command starts; tests make their own buckets on it. */
  s3?: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    services: TestServices;
  }
}

export function testServices(): TestServices {
  return inject('services');
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
