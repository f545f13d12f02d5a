import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { testServices } from './services.js';

/** The S3 protocol server `npm test` starts; its absence means the suite was not started by it. */
function s3Server(): NonNullable<ReturnType<typeof testServices>['s3']> {
  const s3 = testServices().s3;
  if (!s3) throw new Error('no S3 server: run the suite with "npm test", which starts one');
  return s3;
}

/** A fresh bucket on the test S3 server, and the environment (FILE_STORAGE, S3_*) that points at it. */
export async function createTestBucket(): Promise<Record<string, string>> {
  const s3 = s3Server();
  const bucket = `test-${randomBytes(6).toString('hex')}`;
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return {
    FILE_STORAGE: 's3',
    S3_BUCKET: bucket,
    S3_REGION: s3.region,
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
  };
}

/** A fresh folder for a local object store, removed by the returned function. */
export async function createTestFolder(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'digame-files-'));
  return { dir, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}
