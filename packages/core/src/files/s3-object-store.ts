import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { DomainError } from '../errors/domain-error.js';
import { assertObjectKey, assertObjectPrefix, type ObjectStore } from './object-store.js';
import { exactLength } from './streams.js';

export interface S3StoreOptions {
  bucket: string;
  region: string;
  /** Any S3-compatible endpoint (MinIO, Ceph, R2…); unset = AWS. */
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `https://host/bucket/key` instead of `https://bucket.host/key`, which most self-hosted stores need. */
  forcePathStyle: boolean;
  /** Key prefix inside the bucket, so one bucket can serve several deployments. */
  keyPrefix?: string;
}

/** Objects in an S3 bucket. A PUT with a short or long body is aborted, so S3 stores nothing of it. */
export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly keyPrefix: string;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.keyPrefix = options.keyPrefix ?? '';
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials:
        options.accessKeyId && options.secretAccessKey
          ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
          : undefined,
      // Checksums only where S3 demands them: S3-compatible stores differ in which newer ones they know.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private keyOf(key: string): string {
    assertObjectKey(key);
    return `${this.keyPrefix}${key}`;
  }

  async put(key: string, body: Readable, sizeBytes: number): Promise<void> {
    // lib-storage sends a small body as one PUT only once it has all of it, and a large one as a
    // multipart upload that S3 assembles only on completion (and aborts on failure): either way a
    // body that turns out short or long, or a stream that breaks, never becomes an object.
    const counted = exactLength(sizeBytes);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.keyOf(key), Body: counted },
      leavePartsOnError: false,
    });
    const [piped, sent] = await Promise.allSettled([
      pipeline(body, counted),
      upload.done().catch(async (error: unknown) => {
        counted.destroy(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }),
    ]);
    if (piped.status === 'rejected') {
      await upload.abort().catch(() => undefined);
      throw piped.reason;
    }
    if (sent.status === 'rejected') throw sent.reason;
  }

  async get(key: string): Promise<Readable> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
      if (!(object.Body instanceof Readable)) throw new Error('S3 returned no readable body');
      return object.Body;
    } catch (error) {
      if (
        error instanceof NoSuchKey ||
        (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404)
      ) {
        throw new DomainError('NOT_FOUND', 'File not found');
      }
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
  }

  async list(prefix: string): Promise<string[]> {
    assertObjectPrefix(prefix);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: `${this.keyPrefix}${prefix}`,
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key) keys.push(object.Key.slice(this.keyPrefix.length));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    for (const key of keys) await this.delete(key);
    return keys.length;
  }

  close(): void {
    this.client.destroy();
  }
}
