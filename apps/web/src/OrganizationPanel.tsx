import { useEffect, useState } from 'react';
import { type ApiProblem, apiProblem } from './api-problem.js';
import { formatCount } from './format.js';
import { type Profile, trpc, type Usage, type Whoami } from './trpc.js';

type Account =
  | { kind: 'loading' }
  | { kind: 'loaded'; whoami: Whoami; profile: Profile; usage: Usage | ApiProblem }
  | { kind: 'failed'; problem: ApiProblem };

/** Loads together (one batched request); usage may be refused to roles without `usage.read`. */
function useAccount(sessionId: string): Account {
  const [account, setAccount] = useState<Account>({ kind: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    const signal = controller.signal;
    Promise.all([
      trpc.auth.whoami.query(undefined, { signal }),
      trpc.auth.profile.query(undefined, { signal }),
      trpc.usage.get.query(undefined, { signal }).catch(apiProblem),
    ]).then(
      ([whoami, profile, usage]) => setAccount({ kind: 'loaded', whoami, profile, usage }),
      (error: unknown) => {
        if (!signal.aborted) setAccount({ kind: 'failed', problem: apiProblem(error) });
      },
    );
    return () => controller.abort();
    // A new session (sign-in, tenant switch) is a new account view; token renewals keep the sessionId.
  }, [sessionId]);
  return account;
}

export function OrganizationPanel({ sessionId }: { sessionId: string }) {
  const account = useAccount(sessionId);
  return (
    <section className="panel" aria-labelledby="organization-heading">
      <h2 id="organization-heading">Organization</h2>
      {account.kind === 'loading' && <p>Loading your organization…</p>}
      {account.kind === 'failed' && (
        <p role="alert" className="problem">
          Could not load your organization: {account.problem.message}
        </p>
      )}
      {account.kind === 'loaded' && (
        <>
          <dl className="facts">
            <dt>Signed in as</dt>
            <dd>
              {account.profile.fullName} ({account.profile.email})
            </dd>
            <dt>Role</dt>
            <dd className="capitalize">{account.whoami.role}</dd>
            <dt>Organization</dt>
            <dd>{account.whoami.tenant.name}</dd>
            <dt>Plan</dt>
            <dd className="capitalize">{account.whoami.tenant.tier}</dd>
            <dt>Features</dt>
            <dd>{account.whoami.tenant.features.join(', ') || 'None'}</dd>
          </dl>
          <UsageTable usage={account.usage} />
        </>
      )}
    </section>
  );
}

function percentText(percent: number | null): string {
  return percent === null ? '—' : `${percent}%`;
}

function UsageTable({ usage }: { usage: Usage | ApiProblem }) {
  if ('message' in usage) return <p className="muted">Usage is not shown: {usage.message}</p>;
  const rows: Array<[string, string, string, string]> = [
    [
      'Users',
      formatCount(usage.users.current),
      usage.users.limit === null ? 'Unlimited' : formatCount(usage.users.limit),
      percentText(usage.users.percent),
    ],
    [
      'Storage',
      `${usage.storage.used_gb} GB`,
      `${formatCount(usage.storage.limit_gb)} GB`,
      `${usage.storage.percent}%`,
    ],
    [
      'API calls this hour',
      formatCount(usage.api_calls.this_hour),
      formatCount(usage.api_calls.limit),
      `${usage.api_calls.percent}%`,
    ],
    // The limit is per hour: a day's total has no limit of its own to compare with.
    ['API calls today', formatCount(usage.api_calls.today), '—', '—'],
  ];
  return (
    <div className="table-scroll">
      <table className="plans">
        <caption>Usage against your plan's limits</caption>
        <thead>
          <tr>
            <th scope="col">Resource</th>
            <th scope="col">Used</th>
            <th scope="col">Limit</th>
            <th scope="col">Share</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, used, limit, share]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td>{used}</td>
              <td>{limit}</td>
              <td>{share}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">Measured {new Date(usage.measured_at).toLocaleTimeString()}</p>
    </div>
  );
}
