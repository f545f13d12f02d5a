import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventPublisher } from '../events/event-bus.js';
import { connectRedis } from '../redis/client.js';
import { testServices } from '../testing/services.js';
import { LiveApiCalls } from './live-api-calls.js';

// A window longer than the test: only explicit flushes run, so nothing depends on timing.
const WINDOW_MS = 120_000;
const HOUR_END = Date.UTC(2026, 11, 1, 13);
const prefix = `{test-live-${randomBytes(4).toString('hex')}}`;
let redis: Redis;
let events: EventPublisher;

beforeAll(async () => {
  redis = await connectRedis(testServices().redisUrl, 'live-api-calls-test');
  events = new EventPublisher(redis, prefix);
});

afterAll(async () => {
  await redis.quit();
});

const failOnError = (error: unknown) => {
  throw error;
};

async function published(tenantId: number) {
  return (await events.recent(tenantId, 100)).filter((entry) => entry.event.type === 'usage.updated');
}

describe('LiveApiCalls', () => {
  it('announces nothing for a tenant no event stream watches', async () => {
    const live = new LiveApiCalls(redis, prefix, events, failOnError, WINDOW_MS);
    live.counted(101, 5, HOUR_END);
    await live.flush();
    expect(await published(101)).toEqual([]);
    live.close();
  });

  it('coalesces a watched tenant’s calls into one event with the highest count, once per window across nodes', async () => {
    const nodeA = new LiveApiCalls(redis, prefix, events, failOnError, WINDOW_MS);
    const nodeB = new LiveApiCalls(redis, prefix, events, failOnError, WINDOW_MS);
    await nodeA.watch(102);
    for (const count of [1, 2, 4, 3]) nodeA.counted(102, count, HOUR_END);
    nodeB.counted(102, 7, HOUR_END);
    await nodeA.flush();
    await nodeB.flush();
    await nodeA.flush();
    const events102 = await published(102);
    expect(events102.map((entry) => entry.event.data)).toEqual([{ metric: 'api_calls', thisHour: 4 }]);
    // The other tenant's watch mark and window are its own.
    expect(await published(103)).toEqual([]);
    nodeA.close();
    nodeB.close();
  });

  it('starts over with the next hour’s smaller count', async () => {
    const live = new LiveApiCalls(redis, prefix, events, failOnError, 1);
    await live.watch(104);
    live.counted(104, 900, HOUR_END);
    await live.flush();
    live.counted(104, 2, HOUR_END + 3_600_000);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await live.flush();
    expect((await published(104)).map((entry) => entry.event.data.thisHour)).toEqual([2, 900]);
    live.close();
  });
});
