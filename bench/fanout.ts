/**
 * Event fan-out through `events.stream`: N subscribers (held by the load process, on the other
 * core) listen to one tenant; each event is published with XADD exactly as core publishes it, and
 * every delivery is timed from the publish call. The api's tenant-read throughput is measured just
 * before they connect and while they listen; its resident memory before, with them, and after they left.
 * A bare tRPC subscription (async generator per subscriber) is measured alongside at 1,000.
 */
import type { LoadGenerator } from './lib/processes.js';
import { cpuMs, residentMiB } from './lib/processes.js';

export interface FanoutRow {
  subscribers: number;
  path: string;
  p50Ms: number;
  p95Ms: number;
  lastMs: number;
  readsPerSecond: number | null;
  readsRatio: number | null;
  rssMiB: [number | null, number | null, number | null];
  /** The api's CPU time per delivery while publishing (µs), which other load on the machine hardly moves. */
  cpuPerDeliveryUs: number | null;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function fanout(options: {
  load: LoadGenerator;
  quick: boolean;
  apiUrl: string;
  apiPid: number;
  bareUrl: string;
  headers: Record<string, string>;
  redisUrl: string;
  prefix: string;
  tenantId: number;
}): Promise<FanoutRow[]> {
  const { load, quick } = options;
  const events = quick ? 5 : 15;
  const rows: FanoutRow[] = [];
  const sizes = quick ? [100, 1000] : [100, 1000, 3000];
  const runs: { subscribers: number; bare: boolean }[] = [
    ...sizes.map((subscribers) => ({ subscribers, bare: false })),
    { subscribers: 1000, bare: true },
  ];
  const tenantReads = async () =>
    (
      await load.send<'http'>({
        kind: 'http',
        url: `${options.apiUrl}/trpc/tenants.get`,
        headers: options.headers,
        connections: 100,
        seconds: quick ? 2 : 4,
      })
    ).result.perSecond;
  for (const { subscribers, bare } of runs) {
    const idleReads = bare ? null : await tenantReads();
    await pause(500);
    const before = bare ? null : residentMiB(options.apiPid);
    await load.send({
      kind: 'subscribe',
      url: bare
        ? `${options.bareUrl}/trpc/stream`
        : `${options.apiUrl}/trpc/events.stream?input=${encodeURIComponent('{}')}`,
      headers: bare ? {} : options.headers,
      count: subscribers,
    });
    await pause(500);
    const cpuBefore = bare ? null : cpuMs(options.apiPid);
    const { perEvent } = await load.send<'fanout'>({
      kind: 'fanout',
      events,
      gapMs: 200,
      publish: bare
        ? { kind: 'http', url: `${options.bareUrl}/publish` }
        : { kind: 'redis', redisUrl: options.redisUrl, prefix: options.prefix, tenantId: options.tenantId },
    });
    const cpuAfter = bare ? null : cpuMs(options.apiPid);
    const deliveries = perEvent.reduce((sum, times) => sum + times.length, 0);
    let readsPerSecond: number | null = null;
    let withThem: number | null = null;
    if (!bare) {
      withThem = residentMiB(options.apiPid);
      readsPerSecond = await tenantReads();
    }
    await load.send({ kind: 'unsubscribe' });
    await pause(bare ? 500 : 3000);
    const all = perEvent.flat().sort((a, b) => a - b);
    rows.push({
      subscribers,
      path: bare ? 'bare tRPC subscription' : 'events.stream',
      p50Ms: percentile(all, 50),
      p95Ms: percentile(all, 95),
      lastMs: median(perEvent.map((times) => Math.max(...times))),
      readsPerSecond,
      readsRatio: readsPerSecond === null || !idleReads ? null : readsPerSecond / idleReads,
      rssMiB: [before, withThem, bare ? null : residentMiB(options.apiPid)],
      cpuPerDeliveryUs:
        cpuBefore === null || cpuAfter === null || deliveries === 0
          ? null
          : ((cpuAfter - cpuBefore) * 1000) / deliveries,
    });
  }
  return rows;
}
