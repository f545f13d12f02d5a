import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { CredentialStore } from '../auth/credential-store.js';
import type { Actor, Database } from '../db/database.js';
import { EventPublisher } from '../events/event-bus.js';
import type { ObjectStore } from '../files/object-store.js';
import { createObjectStore, fileStorageEnvSchema } from '../files/storage-config.js';
import { JobQueues } from '../jobs/queues.js';
import { connectRedis } from '../redis/client.js';
import { type ServiceDeps, type TenantContext, tenantContext } from '../services/context.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { createTestBucket } from './object-stores.js';
import { testServices } from './services.js';

export interface TestServiceDeps {
  redis: Redis;
  prefix: string;
  services: ServiceDeps;
  /** Runs a core service in a tenant's unit of work, optionally at another time. */
  run<T>(
    tenantId: number,
    service: (ctx: TenantContext) => Promise<T>,
    options?: { now?: Date; actor?: Actor },
  ): Promise<T>;
}

/** Real service collaborators (queues, event bus, tenant directory, S3 file store on its own bucket) on a per-file Redis prefix. */
export function useServiceDeps(db: () => Database): TestServiceDeps {
  const prefix = `{test-svc-${randomBytes(4).toString('hex')}}`;
  let state: { redis: Redis; services: ServiceDeps; files: ObjectStore & { close?(): void } } | undefined;
  beforeAll(async () => {
    const redis = await connectRedis(testServices().redisUrl, 'service-deps-test');
    const files = await createObjectStore(fileStorageEnvSchema.parse(await createTestBucket()));
    state = {
      redis,
      files,
      services: {
        jobs: new JobQueues(redis, prefix),
        events: new EventPublisher(redis, prefix),
        tenants: new TenantDirectory(db(), redis, prefix),
        appUrl: 'http://localhost:5173',
        credentials: new CredentialStore(redis, prefix),
        files,
      },
    };
  });
  afterAll(async () => {
    await state?.services.jobs.close();
    state?.files.close?.();
    await state?.redis.quit();
  });
  const current = () => {
    if (!state) throw new Error('service deps start in beforeAll');
    return state;
  };
  return {
    prefix,
    get redis() {
      return current().redis;
    },
    get services() {
      return current().services;
    },
    run(tenantId, service, options = {}) {
      return db().inTenant(tenantId, (em) => {
        const ctx = tenantContext(em, tenantId, options.actor ?? { userId: null }, current().services);
        if (options.now) ctx.now = options.now;
        return service(ctx);
      });
    },
  };
}
