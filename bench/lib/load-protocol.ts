/** What the suite asks of the load process (bench/lib/load-process.ts), and what it answers. */
export type LoadCommand =
  | {
      kind: 'http';
      url: string;
      method?: 'GET' | 'POST';
      headers?: Record<string, string>;
      /** A request body; `{{n}}` becomes a per-request counter, so each write changes something. */
      bodyTemplate?: string;
      connections: number;
      /** Run for this long, or until `amount` requests were answered. */
      seconds?: number;
      amount?: number;
    }
  /** Closed-loop requests from `concurrency` callers, each timed: for latency percentiles at low load. */
  | { kind: 'latency'; url: string; headers: Record<string, string>; concurrency: number; seconds: number }
  | { kind: 'subscribe'; url: string; headers: Record<string, string>; count: number }
  | {
      kind: 'fanout';
      events: number;
      gapMs: number;
      /** Through the api's event bus (XADD to the tenant's stream), or a bare server's publish endpoint. */
      publish: { kind: 'redis'; redisUrl: string; prefix: string; tenantId: number } | { kind: 'http'; url: string };
    }
  | { kind: 'unsubscribe' }
  | { kind: 'exit' };

export interface LoadResult {
  perSecond: number;
  ok: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
}

export type LoadReply =
  | { kind: 'http'; result: LoadResult }
  | { kind: 'latency'; p50Ms: number; p95Ms: number; requests: number }
  | { kind: 'subscribed'; open: number }
  /** Per event, each subscriber's delay from the publish call to its delivery, in ms. */
  | { kind: 'fanout'; perEvent: number[][] }
  | { kind: 'unsubscribed' }
  | { kind: 'bye' };
