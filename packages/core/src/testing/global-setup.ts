import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../db/migrate.js';
import { type TestServices, withDatabase } from './services.js';

// Unique per run, so concurrent runs (several terminals, CI retries) never drop each other's databases.
const RUN_ID = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const TEMPLATE = `tmpl_${RUN_ID}`;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite with "npm test", which provisions the services`);
  return value;
}

/**
 * Runs once per `vitest run`: migrates a template database, from which every test file clones its
 * own database in milliseconds (CREATE DATABASE ... TEMPLATE), so files run in parallel in isolation.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const ownerUrl = required('DATABASE_MIGRATION_URL');
  const appUrl = required('DATABASE_URL');
  const redisUrl = required('REDIS_URL');

  const admin = new pg.Client({ connectionString: ownerUrl });
  await admin.connect();
  await admin.query(`create database ${TEMPLATE}`);
  await migrate({ migrationUrl: withDatabase(ownerUrl, TEMPLATE), appUrl });

  const services: TestServices = {
    ownerUrl,
    appUrl,
    redisUrl,
    templateDatabase: TEMPLATE,
    runId: RUN_ID,
    smtpUrl: process.env.SMTP_URL,
    mailSinkUrl: process.env.MAIL_SINK_URL,
    s3: process.env.S3_ENDPOINT
      ? {
          endpoint: process.env.S3_ENDPOINT,
          region: process.env.S3_REGION ?? 'us-east-1',
          accessKeyId: process.env.S3_ACCESS_KEY_ID ?? '',
          secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? '',
        }
      : undefined,
  };
  project.provide('services', services);

  return async () => {
    // Clones left by crashed files would pile up; drop this run's with its template.
    const { rows } = await admin.query<{ datname: string }>(
      'select datname from pg_database where datname like $1 or datname = $2',
      [`test_${RUN_ID}_%`, TEMPLATE],
    );
    for (const { datname } of rows) await admin.query(`drop database if exists "${datname}" with (force)`);
    await admin.end();
  };
}
