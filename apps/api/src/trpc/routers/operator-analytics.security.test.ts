import { flushApiPerformance } from '@digame/core/operator-analytics';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientAs, expectRefused, tenantUuid } from '../../testing/admin.js';
import { useTestApi } from '../../testing/test-api.js';

const api = useTestApi();
let paying: TenantFixture;
let trial: TenantFixture;

beforeAll(async () => {
  paying = await createTenantWithMembers(api.database.db, 'Operator Paying', 'professional');
  trial = await createTenantWithMembers(api.database.db, 'Operator Trial', 'basic');
  await api.database.db.inGlobal((em) =>
    em.execute('update tenants set is_trial = false, trial_ends_at = null where id = ?', [paying.tenantId]),
  );
});

describe('operator analytics over the API', () => {
  it('refuse everyone but platform operators', async () => {
    const admin = await clientAs(api, paying, 'admin');
    const calls = [
      () => admin.operatorAnalytics.overview.query(),
      () => admin.operatorAnalytics.tenants.query({}),
      () => admin.operatorAnalytics.featureUtilization.query(),
      () => admin.operatorAnalytics.churnRisk.query(),
      () => admin.operatorAnalytics.billingAnomalies.query(),
      () => admin.operatorAnalytics.securitySignals.query(),
      () => admin.operatorAnalytics.supportInbox.query(),
      () => admin.operatorAnalytics.tenantActivity.query({ tenantId: paying.tenantUuid }),
      () => admin.operations.retry.mutate({ queue: 'lifecycle', jobId: 'any' }),
      () => admin.operatorAnalytics.apiPerformance.query(),
      () => admin.operatorAnalytics.tenantApiPerformance.query({ tenantId: paying.tenantUuid }),
    ];
    for (const call of calls) await expectRefused(call(), 'FORBIDDEN', 'Only platform operators may do this');
  });

  it('give operators the platform figures, naming tenants by their public id only', async () => {
    const ticket = await (await clientAs(api, trial, 'member')).support.open.mutate({
      subject: 'Cannot invite',
      body: 'The invite button is grey.',
      priority: 'urgent',
    });
    const operator = await clientAs(api, trial, 'admin', { platformOperator: true });
    const overview = await operator.operatorAnalytics.overview.query();
    expect(overview).toMatchObject({ totalMrrCents: 9_900, payingTenants: 1, arpuCents: 9_900 });
    expect(overview.support).toMatchObject({ opened: 1, open: 1 });

    const page = await operator.operatorAnalytics.tenants.query({ sort: 'mrr', limit: 1 });
    expect(page.total).toBe(2);
    expect(page.items[0]).toMatchObject({
      uuid: await tenantUuid(api.database.db, paying.tenantId),
      mrrCents: 9_900,
      seats: 4,
    });
    expect(page.items[0]).not.toHaveProperty('id');

    const inbox = await operator.operatorAnalytics.supportInbox.query();
    expect(inbox.map((t) => [t.tenantUuid, t.id, t.priority])).toEqual([
      [await tenantUuid(api.database.db, trial.tenantId), ticket.id, 'urgent'],
    ]);
  });

  it('answer bad input with field messages', async () => {
    const operator = await clientAs(api, trial, 'admin', { platformOperator: true });
    const bad = await expectRefused(
      operator.operatorAnalytics.tenants.query({ sort: 'revenue' as 'mrr', limit: 500 }),
      'BAD_REQUEST',
    );
    expect(Object.keys(bad.data.fields ?? {}).sort()).toEqual(['limit', 'sort']);
  });

  it("give a tenant's health history and every operator access to it, this look included, and nothing of another tenant", async () => {
    const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
    const score = (tenantId: number, scoredOn: string, value: number, risk: string) =>
      api.database.db.inTenant(tenantId, (em) =>
        em.execute(
          `insert into tenant_health_scores (tenant_id, scored_on, score, churn_risk, components, computed_at)
           values (?, ?, ?, ?, '{}', now())`,
          [tenantId, scoredOn, value, risk],
        ),
      );
    await score(paying.tenantId, day(2), 81.5, 'low');
    await score(paying.tenantId, day(1), 48, 'medium');
    await score(paying.tenantId, day(120), 90, 'low');
    await score(trial.tenantId, day(1), 12, 'high');

    const operator = await clientAs(api, trial, 'admin', { platformOperator: true });
    await operator.tenants.suspend.mutate({ tenantId: paying.tenantUuid, reason: 'chargeback under review' });
    await operator.tenants.reactivate.mutate({ tenantId: paying.tenantUuid, reason: 'chargeback withdrawn' });
    const activity = await operator.operatorAnalytics.tenantActivity.query({ tenantId: paying.tenantUuid });
    // Oldest first, within 90 days: the 120-day-old score and the other tenant's are left out.
    expect(activity.healthHistory).toEqual([
      { scoredOn: day(2), score: 81.5, churnRisk: 'low' },
      { scoredOn: day(1), score: 48, churnRisk: 'medium' },
    ]);
    expect(activity.operatorAccesses.map((access) => access.reason)).toEqual([
      'operator console: tenant detail',
      'chargeback withdrawn',
      'chargeback under review',
    ]);
    expect(activity.operatorAccesses[0]?.operatorEmail).toBe('admin@operator-trial.test');

    await expectRefused(
      operator.operatorAnalytics.tenantActivity.query({ tenantId: '00000000-0000-4000-8000-000000000000' }),
      'NOT_FOUND',
    );
  });

  it('retry only a failed job of the named queue', async () => {
    const operator = await clientAs(api, trial, 'admin', { platformOperator: true });
    await api.deps.jobs.queue('lifecycle').add('health.score', { tenantId: trial.tenantId }, { jobId: 'waiting-job' });
    await expectRefused(
      operator.operations.retry.mutate({ queue: 'lifecycle', jobId: 'waiting-job' }),
      'NOT_FOUND',
      'No failed job with this id in that queue',
    );
    await expectRefused(operator.operations.retry.mutate({ queue: 'emails', jobId: 'nope' }), 'NOT_FOUND');
  });

  it("measure each tenant's calls, errors and latency through the real request path, without a metrics label per tenant", async () => {
    const busy = await createTenantWithMembers(api.database.db, 'Operator Busy');
    const member = await clientAs(api, busy, 'member');
    for (let call = 0; call < 3; call++) await member.auth.whoami.query();
    // Refused as bad input (400) and as a missing permission (403): refusals, not errors.
    await expectRefused(member.support.open.mutate({ subject: 'x', body: '' }), 'BAD_REQUEST');
    await expectRefused(member.billing.summary.query(), 'FORBIDDEN');
    await api.deps.apiPerformance.flush();
    await flushApiPerformance({ db: api.database.db, redis: api.deps.redis, prefix: api.config.REDIS_PREFIX });

    const operator = await clientAs(api, trial, 'admin', { platformOperator: true });
    const hours = await operator.operatorAnalytics.tenantApiPerformance.query({ tenantId: busy.tenantUuid });
    expect(hours).toHaveLength(1);
    expect(hours[0]).toMatchObject({ calls: 5, errorRate: 0, refusalRate: 2 / 5 });
    expect(hours[0]?.p95Ms).toBeGreaterThan(0);
    const busiest = await operator.operatorAnalytics.apiPerformance.query({ hours: 1, limit: 100 });
    expect(busiest.find((row) => row.tenantUuid === busy.tenantUuid)?.calls).toBe(5);

    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).not.toContain(busy.tenantUuid);
    expect(metrics).not.toMatch(/tenant=/);
  });
});
