/**
 * Event fan-out: how long one published event takes to reach N live subscribers, as ratios against
 * one subscriber measured in the same run. Two paths: the in-process stream hub alone (one Redis
 * reader per api process, fan-out in memory), and the whole way through SSE (`events.stream` over
 * HTTP, tracked ids, permission filter). `npm run bench -- event-fanout [subscribers] [rounds]`.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import { createApp } from '../apps/api/src/app.js';
import { loadApiConfig } from '../apps/api/src/config.js';
import { createApiDeps } from '../apps/api/src/deps.js';
import { unlimitedAdminSession } from './setup.js';

const SUBSCRIBERS = Number(process.argv[2] ?? 1000);
const ROUNDS = Number(process.argv[3] ?? 5);

const config = loadApiConfig({
  ...process.env,
  JWT_SECRET: randomBytes(32).toString('hex'),
  REDIS_PREFIX: `{bench-${randomBytes(3).toString('hex')}}`,
});
const deps = await createApiDeps(config);
const server = serve({ fetch: createApp(deps).fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const { tenant, token } = await unlimitedAdminSession(deps, config, 'Fanout');

/** A counter of deliveries that resolves when every subscriber has the current round's event. */
function tally(subscribers: number) {
  let received = 0;
  let done: () => void = () => {};
  return {
    expect() {
      received = 0;
      return new Promise<void>((resolve) => {
        done = resolve;
      });
    },
    hit() {
      received += 1;
      if (received === subscribers) done();
    },
  };
}

async function timeRounds(counter: ReturnType<typeof tally>): Promise<number> {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const all = counter.expect();
    const started = performance.now();
    await deps.events.publish(tenant.tenantId, 'member.changed', { round });
    await all;
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0;
}

/** In-process subscribers on the shared hub. */
async function hub(subscribers: number): Promise<number> {
  const counter = tally(subscribers);
  const stop = new AbortController();
  setMaxListeners(subscribers + 10, stop.signal);
  const loops = Array.from({ length: subscribers }, async () => {
    for await (const _ of deps.events.subscribe(tenant.tenantId, null, stop.signal)) counter.hit();
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const median = await timeRounds(counter);
  stop.abort();
  await Promise.allSettled(loops);
  return median;
}

/** Baseline: bare Hono SSE, each event written straight to every open stream (no tRPC, no Redis). */
const bareStreams = new Set<SSEStreamingApi>();
const bare = new Hono().get('/sse', (c) =>
  streamSSE(c, async (stream) => {
    bareStreams.add(stream);
    await new Promise<void>((resolve) => stream.onAbort(resolve));
    bareStreams.delete(stream);
  }),
);
const bareServer = serve({ fetch: bare.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((resolve) => bareServer.once('listening', resolve));
const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}`;

async function bareRounds(counter: ReturnType<typeof tally>): Promise<number> {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const all = counter.expect();
    const started = performance.now();
    const data = JSON.stringify({ type: 'member.changed', data: { round } });
    await Promise.all([...bareStreams].map((stream) => stream.writeSSE({ id: String(round), data })));
    await all;
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0;
}

/** HTTP subscribers reading an SSE stream (events.stream, authenticated by header, or the bare baseline). */
async function sse(subscribers: number, target: 'trpc' | 'bare' = 'trpc'): Promise<number> {
  const counter = tally(subscribers);
  const stop = new AbortController();
  setMaxListeners(subscribers + 10, stop.signal);
  let open = 0;
  const streams = Array.from({ length: subscribers }, async () => {
    const address =
      target === 'trpc' ? `${url}/trpc/events.stream?input=${encodeURIComponent('{}')}` : `${bareUrl}/sse`;
    const response = await fetch(address, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: stop.signal,
    });
    open += 1;
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = (await reader?.read()) ?? { done: true, value: undefined };
      if (done) return;
      for (const line of decoder.decode(value).split('\n')) if (line.startsWith('id:')) counter.hit();
    }
  });
  while (open < subscribers) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const median = target === 'trpc' ? await timeRounds(counter) : await bareRounds(counter);
  stop.abort();
  await Promise.allSettled(streams);
  return median;
}

const hubOne = await hub(1);
const hubMany = await hub(SUBSCRIBERS);
const sseOne = await sse(1);
const sseMany = await sse(SUBSCRIBERS);
const bareMany = await sse(SUBSCRIBERS, 'bare');
console.log(`event fan-out, median of ${ROUNDS} events, ${SUBSCRIBERS} subscribers`);
console.log(`  hub  1 subscriber   ${hubOne.toFixed(2)} ms (baseline)`);
console.log(`  hub  ${SUBSCRIBERS} subscribers ${hubMany.toFixed(2)} ms  = ${(hubMany / hubOne).toFixed(1)}× baseline`);
console.log(`  SSE  1 subscriber   ${sseOne.toFixed(2)} ms  = ${(sseOne / hubOne).toFixed(1)}× baseline`);
console.log(
  `  SSE  ${SUBSCRIBERS} subscribers ${sseMany.toFixed(2)} ms  = ${(sseMany / sseOne).toFixed(1)}× one SSE subscriber (${((sseMany / SUBSCRIBERS) * 1000).toFixed(0)} µs each)`,
);
console.log(
  `  bare Hono SSE ${SUBSCRIBERS} subscribers ${bareMany.toFixed(2)} ms: events.stream costs ${(sseMany / bareMany).toFixed(1)}× bare SSE`,
);
server.close();
bareServer.close();
await deps.close();
process.exit(0);
