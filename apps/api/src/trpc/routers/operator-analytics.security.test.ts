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
});
