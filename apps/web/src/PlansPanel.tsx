import { TRPCClientError } from '@trpc/client';
import { useEffect, useState } from 'react';
import { formatCount, formatMonthlyPrice, formatUserLimit } from './format.js';
import { type TierCatalog, type TierInfo, trpc } from './trpc.js';

type Plans = { kind: 'loading' } | { kind: 'loaded'; catalog: TierCatalog } | { kind: 'failed'; reason: string };

/** An error the api sent has a message worth showing; a failed fetch or a proxy's error page does not. */
function failureReason(error: unknown): string {
  return error instanceof TRPCClientError && error.shape ? error.message : 'API unreachable';
}

function usePlans(): Plans {
  const [plans, setPlans] = useState<Plans>({ kind: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    trpc.system.tiers.query(undefined, { signal: controller.signal }).then(
      (catalog) => setPlans({ kind: 'loaded', catalog }),
      (error: unknown) => {
        if (!controller.signal.aborted) setPlans({ kind: 'failed', reason: failureReason(error) });
      },
    );
    return () => controller.abort();
  }, []);
  return plans;
}

export function PlansPanel() {
  const [attempt, setAttempt] = useState(0);
  return (
    <section className="panel" aria-labelledby="plans-heading">
      <h2 id="plans-heading">Plans</h2>
      {/* A new key remounts the loader: that is how "Try again" starts over from a clean state. */}
      <PlansLoader key={attempt} onRetry={() => setAttempt((n) => n + 1)} />
    </section>
  );
}

function PlansLoader({ onRetry }: { onRetry: () => void }) {
  const plans = usePlans();
  if (plans.kind === 'loading') return <p>Loading plans…</p>;
  if (plans.kind === 'loaded') return <PlansTable catalog={plans.catalog} />;
  return (
    <div role="alert" className="problem">
      <p>Could not load plans: {plans.reason}</p>
      <button type="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

type Feature = keyof TierCatalog['featureLabels'];

function PlansTable({ catalog: { tiers, featureLabels } }: { catalog: TierCatalog }) {
  const features = Object.keys(featureLabels) as Feature[];
  const limitRows: Array<[string, (tier: TierInfo) => string]> = [
    ['Price', (tier) => formatMonthlyPrice(tier.monthlyPriceCents)],
    ['Users', (tier) => formatUserLimit(tier.limits.maxUsers)],
    ['Storage', (tier) => `${formatCount(tier.limits.storageLimitGb)} GB`],
    ['API calls/hour', (tier) => formatCount(tier.limits.apiCallsPerHour)],
  ];
  return (
    <div className="table-scroll">
      <table className="plans">
        <caption>Price, limits and features of each plan</caption>
        <thead>
          <tr>
            <th scope="col">Plan</th>
            {tiers.map((tier) => (
              <th scope="col" key={tier.name}>
                {tier.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {limitRows.map(([label, value]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              {tiers.map((tier) => (
                <td key={tier.name}>{value(tier)}</td>
              ))}
            </tr>
          ))}
        </tbody>
        <tbody>
          <tr>
            <th scope="rowgroup" colSpan={tiers.length + 1} className="group">
              Features
            </th>
          </tr>
          {features.map((feature) => (
            <tr key={feature}>
              <th scope="row">{featureLabels[feature]}</th>
              {tiers.map((tier) => (
                <td key={tier.name} className="mark">
                  <Included included={tier.features[feature]} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The symbol for the eye, a word for screen readers. */
function Included({ included }: { included: boolean }) {
  return (
    <span role="img" aria-label={included ? 'Included' : 'Not included'} className={included ? 'yes' : 'no'}>
      {included ? '✓' : '—'}
    </span>
  );
}
