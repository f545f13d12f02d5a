import { connectRedis } from '@digame/core/redis';
import { testServices, useTestDatabase } from '@digame/core/testing';
import { describe, expect, it } from 'vitest';
import { createHealthApp } from './health-server.js';

const database = useTestDatabase();

describe('worker /healthz', () => {
  it('reports PostgreSQL and Redis status', async () => {
    const redis = await connectRedis(testServices().redisUrl, 'worker-test');
    try {
      const response = await createHealthApp({ db: database.db, redis }).request('/healthz');
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok', postgres: { ok: true }, redis: { ok: true } });
    } finally {
      await redis.quit();
    }
  });
});
