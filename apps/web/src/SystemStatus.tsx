import type { DependencyStatus, HealthReport } from '@digame/core/health';
import { useEffect, useState } from 'react';

const POLL_INTERVAL_MS = 10_000;

type Health =
  | { kind: 'loading' }
  | { kind: 'reported'; report: HealthReport; checkedAt: Date }
  | { kind: 'unreachable' };

/** The api's report, or null when no api answered with one. */
async function fetchHealth(signal: AbortSignal): Promise<HealthReport | null> {
  try {
    const response = await fetch('/healthz', { signal, headers: { accept: 'application/json' } });
    // A 503 still carries the report, naming the dependency that is down; anything else is not the api.
    if (response.status !== 200 && response.status !== 503) return null;
    return (await response.json()) as HealthReport;
  } catch {
    return null;
  }
}

function useHealth(): Health {
  const [health, setHealth] = useState<Health>({ kind: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A timeout chained after each answer, not setInterval, so a slow answer never overlaps the next poll.
    const poll = async () => {
      const report = await fetchHealth(controller.signal);
      if (controller.signal.aborted) return;
      setHealth(report ? { kind: 'reported', report, checkedAt: new Date() } : { kind: 'unreachable' });
      timer = setTimeout(poll, POLL_INTERVAL_MS);
    };
    void poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, []);
  return health;
}

function summary(health: Health): string {
  if (health.kind === 'loading') return 'Checking…';
  if (health.kind === 'unreachable') return 'API unreachable';
  const { postgres, redis } = health.report;
  const down = [!postgres.ok && 'PostgreSQL', !redis.ok && 'Redis'].filter(Boolean);
  return down.length === 0 ? 'All systems up' : `Degraded: ${down.join(' and ')} down`;
}

export function SystemStatus() {
  const health = useHealth();
  const healthy = health.kind === 'reported' && health.report.status === 'ok';
  return (
    <section className="panel" aria-labelledby="status-heading">
      <h2 id="status-heading">System status</h2>
      {/* Only the one-line summary is live: latencies change on every poll and would be read out each time. */}
      <p role="status" aria-live="polite" className={healthy ? 'summary ok' : 'summary problem'}>
        {summary(health)}
      </p>
      {health.kind === 'reported' && (
        <>
          <ul className="dependencies">
            <Dependency name="PostgreSQL" status={health.report.postgres} />
            <Dependency name="Redis" status={health.report.redis} />
          </ul>
          <p className="muted">Last checked {health.checkedAt.toLocaleTimeString()}</p>
        </>
      )}
    </section>
  );
}

function Dependency({ name, status }: { name: string; status: DependencyStatus }) {
  return (
    <li className={status.ok ? 'dependency up' : 'dependency down'}>
      <span className="dependency-name">{name}</span>
      <span className="dependency-state">{status.ok ? 'Up' : 'Down'}</span>
      <span className="muted">{status.latencyMs} ms</span>
      {status.error && <span className="dependency-error">{status.error}</span>}
    </li>
  );
}
