/**
 * The load generator, a process of its own (pinned to the other core than the servers): runs
 * autocannon against a URL, and holds SSE subscribers for the fan-out benchmark, timing each
 * delivery from the moment it asks for the event to be published. Driven over IPC by the suite.
 */
import http from 'node:http';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { EventPublisher } from '../../packages/core/src/events/event-bus.js';
import type { LoadCommand, LoadReply, LoadResult } from './load-protocol.js';

function httpLoad(command: Extract<LoadCommand, { kind: 'http' }>): Promise<LoadResult> {
  let n = 0;
  const { bodyTemplate } = command;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: command.url,
        method: command.method ?? 'GET',
        headers: command.headers ?? {},
        connections: command.connections,
        ...(command.amount ? { amount: command.amount } : { duration: command.seconds ?? 1 }),
        ...(bodyTemplate
          ? {
              requests: [
                {
                  setupRequest: (request) => {
                    n += 1;
                    return { ...request, body: bodyTemplate.replaceAll('{{n}}', String(n)) };
                  },
                },
              ],
            }
          : {}),
      },
      (error, result) => {
        if (error) return reject(error);
        const ok = result['2xx'];
        resolve({
          perSecond: ok / result.duration,
          ok,
          failed: result.non2xx + result.errors + result.timeouts,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
        });
      },
    );
  });
}

async function latency(command: Extract<LoadCommand, { kind: 'latency' }>): Promise<LoadReply> {
  const times: number[] = [];
  const until = performance.now() + command.seconds * 1000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: command.concurrency });
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const started = performance.now();
      http
        .get(command.url, { headers: command.headers, agent }, (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode !== 200) reject(new Error(`${command.url}: HTTP ${response.statusCode}`));
            times.push(performance.now() - started);
            resolve();
          });
        })
        .on('error', reject);
    });
  await Promise.all(
    Array.from({ length: command.concurrency }, async () => {
      while (performance.now() < until) await once();
    }),
  );
  agent.destroy();
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0;
  return { kind: 'latency', p50Ms: at(0.5), p95Ms: at(0.95), requests: times.length };
}

/** Open SSE subscribers; each counts lines that carry an event id (tracked events, not pings). */
interface Subscriber {
  request: http.ClientRequest;
}
const subscribers: Subscriber[] = [];
let onDelivery: ((at: number) => void) | null = null;

function openSubscriber(url: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = '';
    let opened = false;
    const request = http.get(
      url,
      { headers: { ...headers, accept: 'text/event-stream' }, agent: false },
      (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`subscriber got HTTP ${response.statusCode}`));
          response.resume();
          return;
        }
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          const at = performance.now();
          pending += chunk;
          let end = pending.indexOf('\n\n');
          while (end >= 0) {
            const message = pending.slice(0, end);
            pending = pending.slice(end + 2);
            if (!opened) {
              // The first message tells the stream is open (tRPC: `event: connected`).
              opened = true;
              resolve();
            } else if (message.startsWith('id:') || message.includes('\nid:')) onDelivery?.(at);
            end = pending.indexOf('\n\n');
          }
        });
      },
    );
    request.on('error', (error) => {
      if (!opened) reject(error);
    });
    subscribers.push({ request });
  });
}

let publisher: { redis: Redis; events: EventPublisher } | null = null;

async function publishAndTime(command: Extract<LoadCommand, { kind: 'fanout' }>): Promise<LoadReply> {
  const perEvent: number[][] = [];
  for (let round = 0; round < command.events; round++) {
    const expected = subscribers.length;
    const times: number[] = [];
    const started = performance.now();
    const all = new Promise<void>((resolve) => {
      onDelivery = (at) => {
        times.push(at - started);
        if (times.length === expected) resolve();
      };
    });
    if (command.publish.kind === 'redis') {
      publisher ??= (() => {
        const redis = new Redis(command.publish.redisUrl, { lazyConnect: false });
        return { redis, events: new EventPublisher(redis, command.publish.prefix) };
      })();
      await publisher.events.publish(command.publish.tenantId, 'member.changed', { round });
    } else {
      await fetch(command.publish.url, { method: 'POST' });
    }
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 30_000)),
    ]);
    onDelivery = null;
    if (timedOut) throw new Error(`only ${times.length} of ${expected} subscribers received event ${round}`);
    perEvent.push(times);
    await new Promise((resolve) => setTimeout(resolve, command.gapMs));
  }
  return { kind: 'fanout', perEvent };
}

async function handle(command: LoadCommand): Promise<LoadReply> {
  switch (command.kind) {
    case 'http':
      return { kind: 'http', result: await httpLoad(command) };
    case 'latency':
      return latency(command);
    case 'subscribe': {
      // In batches, so the server sees a ramp rather than thousands of simultaneous handshakes.
      for (let opened = 0; opened < command.count; opened += 100) {
        const batch = Math.min(100, command.count - opened);
        await Promise.all(Array.from({ length: batch }, () => openSubscriber(command.url, command.headers)));
      }
      return { kind: 'subscribed', open: subscribers.length };
    }
    case 'fanout':
      return publishAndTime(command);
    case 'unsubscribe':
      for (const { request } of subscribers.splice(0)) request.destroy();
      return { kind: 'unsubscribed' };
    case 'exit':
      publisher?.redis.disconnect();
      setImmediate(() => process.exit(0));
      return { kind: 'bye' };
  }
}

process.on('message', (message: { id: number; command: LoadCommand }) => {
  handle(message.command).then(
    (reply) => process.send?.({ id: message.id, reply }),
    (error: unknown) =>
      process.send?.({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
