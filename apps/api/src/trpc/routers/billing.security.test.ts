import { randomUUID } from 'node:crypto';
import { Invoice, LedgerEntry } from '@digame/core/billing';
import { TenantUser } from '@digame/core/members';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { UsageRecord } from '@digame/core/usage';
import { findOrCreateUser } from '@digame/core/users';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, clientAs, expectRefused, refusal, setTenantColumns, tenantUuid } from '../../testing/admin.js';
import { useTestApi } from '../../testing/test-api.js';

const api = useTestApi();
let acme: TenantFixture;
let globex: TenantFixture;
let operatorHome: TenantFixture;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme', 'professional');
  globex = await createTenantWithMembers(api.database.db, 'Globex', 'basic');
  operatorHome = await createTenantWithMembers(api.database.db, 'Platform', 'enterprise');
});

const operator = () => clientAs(api, operatorHome, 'admin', { platformOperator: true });

function remainingShareOfMonth(now = new Date()): number {
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return (end - now.getTime()) / (end - start);
}

async function addMembers(tenant: TenantFixture, count: number) {
  for (let n = 0; n < count; n++) {
    const user = await api.database.db.inGlobal((em) =>
      findOrCreateUser(em, { email: `extra${n}@${tenant.slug}.test`, fullName: `Extra ${n}` }),
    );
    await api.database.db.inTenant(tenant.tenantId, async (em) => {
      em.create(TenantUser, { tenant: tenant.tenantId, user: user.id, role: 'member' });
    });
  }
}

describe('features', () => {
  it.each(['admin', 'manager', 'member', 'viewer'] as const)('lists each feature with why, for a %s', async (role) => {
    const features = await (await clientAs(api, globex, role)).features.list.query();
    expect(features).toHaveLength(11);
    expect(features.find((f) => f.feature === 'ai_insights')).toEqual({
      feature: 'ai_insights',
      label: 'AI Insights',
      enabled: false,
      source: 'tier',
      includedInTier: false,
      overrideReason: null,
      requiredTier: 'professional',
    });
  });

  it('operators override a feature per tenant; the gate follows at once; removal restores the tier', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Pilot', 'professional');
    const tenantId = await tenantUuid(api.database.db, tenant.tenantId);
    const admin = await clientAs(api, tenant, 'admin');
    await expectRefused(admin.audit.list.query({}), 'FORBIDDEN', 'Feature not available in your subscription');

    const ops = await operator();
    const after = await ops.features.setOverride.mutate({
      tenantId,
      feature: 'audit_logs',
      enabled: true,
      reason: 'Pilot customer',
    });
    expect(after.find((f) => f.feature === 'audit_logs')).toMatchObject({
      enabled: true,
      source: 'override',
      overrideReason: 'Pilot customer',
    });
    expect((await admin.audit.list.query({ action: 'feature.*' })).items.map((entry) => entry.action)).toEqual([
      'feature.override_set',
    ]);
    expect((await admin.auth.whoami.query()).tenant.features).toContain('audit_logs');

    await ops.features.setOverride.mutate({ tenantId, feature: 'api_access', enabled: false, reason: 'Abuse' });
    expect((await admin.features.list.query()).find((f) => f.feature === 'api_access')).toMatchObject({
      enabled: false,
      includedInTier: true,
    });

    await ops.features.setOverride.mutate({ tenantId, feature: 'audit_logs', enabled: null, reason: 'Pilot over' });
    await expectRefused(admin.audit.list.query({}), 'FORBIDDEN');
    expect(await auditEntries(api.database.db, tenant.tenantId, 'feature.override_removed')).toHaveLength(1);
  });

  it('is for operators only, and another tenant’s features are not readable', async () => {
    const admin = await clientAs(api, acme, 'admin');
    const globexId = await tenantUuid(api.database.db, globex.tenantId);
    await expectRefused(
      admin.features.setOverride.mutate({ tenantId: globexId, feature: 'sso', enabled: true, reason: 'Please' }),
      'FORBIDDEN',
      /platform operators/,
    );
    await expectRefused(admin.features.list.query({ tenantId: globexId }), 'NOT_FOUND', 'Tenant not found');
  });
});

describe('billing.changeTier', () => {
  it('converts a trial on upgrade: limits, features, prorated ledger entry and audit, atomically', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Upgrader', 'basic');
    const admin = await clientAs(api, tenant, 'admin');
    const before = Date.now();
    const upgraded = await admin.billing.changeTier.mutate({ tier: 'professional' });
    expect(upgraded).toMatchObject({
      subscriptionTier: 'professional',
      isTrial: false,
      trialEndsAt: null,
      limits: { maxUsers: 50, storageLimitGb: 100, apiRateLimit: 5000 },
    });
    expect(upgraded.features.api_access).toBe(true);
    expect((await admin.auth.whoami.query()).tenant.tier).toBe('professional');

    const summary = await admin.billing.summary.query();
    expect(summary).toMatchObject({ tier: 'professional', isTrial: false, monthlyPriceCents: 9900, mrrCents: 9900 });
    const [entry] = summary.ledger;
    expect(entry).toMatchObject({
      kind: 'trial_conversion',
      fromTier: 'basic',
      toTier: 'professional',
      monthlyPriceCents: 9900,
    });
    const expected = Math.round(9900 * remainingShareOfMonth(new Date(before)));
    expect(Math.abs((entry?.proratedAmountCents ?? 0) - expected)).toBeLessThanOrEqual(1);

    const [audited] = await auditEntries(api.database.db, tenant.tenantId, 'subscription.changed');
    expect(audited?.details).toMatchObject({
      kind: 'trial_conversion',
      before: { subscriptionTier: 'basic', isTrial: true, maxUsers: 10 },
      after: { subscriptionTier: 'professional', isTrial: false, maxUsers: 50 },
    });

    const downgraded = await admin.billing.changeTier.mutate({ tier: 'basic' });
    expect(downgraded.limits.maxUsers).toBe(10);
    const latest = (await admin.billing.summary.query()).ledger[0];
    expect(latest).toMatchObject({
      kind: 'downgrade',
      fromTier: 'professional',
      toTier: 'basic',
      monthlyPriceCents: 2900,
    });
    expect(latest?.proratedAmountCents).toBeLessThan(0);
    await expectRefused(admin.billing.changeTier.mutate({ tier: 'basic' }), 'CONFLICT', /already on the Basic plan/);
  });

  it('refuses a downgrade the organization does not fit, saying what to fix, and changes nothing', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Crowded', 'professional');
    await addMembers(tenant, 7);
    await api.database.db.inTenant(tenant.tenantId, async (em) => {
      em.create(UsageRecord, {
        tenant: tenant.tenantId,
        metric: 'storage_bytes',
        periodStart: new Date(Date.now() - 3_600_000),
        quantity: 6 * 1024 ** 3,
      });
    });
    const admin = await clientAs(api, tenant, 'admin');
    const { data, message } = await refusal(admin.billing.changeTier.mutate({ tier: 'basic' }));
    expect(data.code).toBe('PRECONDITION_FAILED');
    expect(message).toMatch(/does not fit the Basic plan/);
    expect(message).toMatch(/seats: 11 used, 10 allowed — deactivate or remove 1 member\b/);
    expect(message).toMatch(/storage_gb: 6 used, 5 allowed — delete at least 1 GB/);
    expect(data.details).toMatchObject({ reason: 'plan_does_not_fit', tier: 'basic' });
    const row = await clientAs(api, tenant, 'viewer').then((c) => c.tenants.get.query());
    expect(row).toMatchObject({ subscriptionTier: 'professional', isTrial: true });
    expect(await api.database.db.inTenant(tenant.tenantId, (em) => em.count(LedgerEntry, {}))).toBe(0);
  });

  it('sends enterprise to an operator, and is refused without billing.manage', async () => {
    const admin = await clientAs(api, acme, 'admin');
    const { data } = await expectRefused(
      admin.billing.changeTier.mutate({ tier: 'enterprise' }),
      'FORBIDDEN',
      /platform operator/,
    );
    expect(data.details).toMatchObject({ reason: 'contract_tier' });
    for (const role of ['manager', 'member', 'viewer'] as const) {
      const client = await clientAs(api, acme, role);
      await expectRefused(
        client.billing.changeTier.mutate({ tier: 'basic' }),
        'FORBIDDEN',
        'Missing permission: billing.manage',
      );
      await expectRefused(client.billing.summary.query(), 'FORBIDDEN', 'Missing permission: billing.read');
    }
  });
});

describe('operator plans and invoices', () => {
  it('sets an enterprise contract price and limits; MRR follows; invoices are issued once and settled', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Contract', 'professional');
    const tenantId = await tenantUuid(api.database.db, tenant.tenantId);
    const ops = await operator();
    const reason = 'Signed contract #42';

    const missingPrice = await refusal(ops.billing.setPlan.mutate({ tenantId, reason, tier: 'enterprise' }));
    expect(missingPrice.data).toMatchObject({
      code: 'BAD_REQUEST',
      fields: { monthlyPriceCents: 'is required for this tier' },
    });
    const limitsOnCatalogTier = await refusal(
      ops.billing.setPlan.mutate({ tenantId, reason, tier: 'basic', limits: { maxUsers: 99 } }),
    );
    expect(Object.keys(limitsOnCatalogTier.data.fields ?? {})).toEqual(['limits']);

    const plan = await ops.billing.setPlan.mutate({
      tenantId,
      reason,
      tier: 'enterprise',
      monthlyPriceCents: 150_000,
      limits: { maxUsers: 500, apiCallsPerHour: 100_000 },
    });
    expect(plan).toMatchObject({
      subscriptionTier: 'enterprise',
      isTrial: false,
      limits: { maxUsers: 500, storageLimitGb: 1024, apiRateLimit: 100_000 },
    });
    expect(plan.features.sso).toBe(true);
    const admin = await clientAs(api, tenant, 'admin');
    expect(await admin.billing.summary.query()).toMatchObject({ monthlyPriceCents: 150_000, mrrCents: 150_000 });
    // The contract price stays when only the limits change.
    await ops.billing.setPlan.mutate({ tenantId, reason, tier: 'enterprise', limits: { maxUsers: 600 } });
    expect((await admin.billing.summary.query()).monthlyPriceCents).toBe(150_000);

    const invoice = await ops.billing.issueInvoice.mutate({ tenantId, reason, period: '2030-01' });
    expect(invoice).toMatchObject({ period: '2030-01', amountCents: 150_000, status: 'open', paidAt: null });
    expect(await ops.billing.issueInvoice.mutate({ tenantId, reason, period: '2030-01' })).toEqual(invoice);
    const failed = await ops.billing.recordPayment.mutate({
      tenantId,
      reason,
      invoiceId: invoice?.id ?? '',
      outcome: 'failed',
    });
    expect(failed.status).toBe('failed');
    await api.database.db.inTenant(tenant.tenantId, async (em) => {
      (await em.findOneOrFail(Invoice, { id: invoice?.id })).dueAt = new Date(Date.now() - 1000);
    });
    expect(await ops.billing.markOverdue.mutate({ tenantId, reason })).toEqual({ overdue: 1 });
    const paid = await ops.billing.recordPayment.mutate({
      tenantId,
      reason,
      invoiceId: invoice?.id ?? '',
      outcome: 'paid',
    });
    expect(paid.status).toBe('paid');
    expect(paid.paidAt).not.toBeNull();
    await expectRefused(
      ops.billing.recordPayment.mutate({ tenantId, reason, invoiceId: invoice?.id ?? '', outcome: 'failed' }),
      'CONFLICT',
    );
    expect((await admin.billing.summary.query()).invoices.map((i) => i.status)).toEqual(['paid']);
    for (const action of ['invoice.issued', 'invoice.payment_failed', 'invoice.overdue', 'invoice.paid']) {
      expect(await auditEntries(api.database.db, tenant.tenantId, action)).toHaveLength(1);
    }
    expect(await auditEntries(api.database.db, tenant.tenantId, 'subscription.changed')).toHaveLength(2);
  });

  it('owes nothing during a trial, and suspended tenants bring no MRR', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Trialist', 'professional');
    const tenantId = await tenantUuid(api.database.db, tenant.tenantId);
    const ops = await operator();
    expect(await ops.billing.issueInvoice.mutate({ tenantId, reason: 'Monthly run' })).toBeNull();
    const admin = await clientAs(api, tenant, 'admin');
    expect((await admin.billing.summary.query()).mrrCents).toBe(0);
    await admin.billing.changeTier.mutate({ tier: 'professional' });
    expect((await admin.billing.summary.query()).mrrCents).toBe(9900);
    await setTenantColumns(api, tenant.tenantId, { isActive: false });
    expect((await ops.billing.summary.query({ tenantId })).mrrCents).toBe(0);
  });

  it('keeps operators’ invoice ids inside the tenant they address, and refuses tenant members', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Payer', 'professional');
    const tenantId = await tenantUuid(api.database.db, tenant.tenantId);
    const ops = await operator();
    await (await clientAs(api, tenant, 'admin')).billing.changeTier.mutate({ tier: 'professional' });
    const invoice = await ops.billing.issueInvoice.mutate({ tenantId, reason: 'Monthly run' });
    const otherId = await tenantUuid(api.database.db, globex.tenantId);
    await expectRefused(
      ops.billing.recordPayment.mutate({
        tenantId: otherId,
        reason: 'Wrong one',
        invoiceId: invoice?.id ?? '',
        outcome: 'paid',
      }),
      'NOT_FOUND',
      'Invoice not found',
    );
    await expectRefused(
      ops.billing.recordPayment.mutate({
        tenantId: randomUUID(),
        reason: 'Nobody',
        invoiceId: invoice?.id ?? '',
        outcome: 'paid',
      }),
      'NOT_FOUND',
      'Tenant not found',
    );
    const admin = await clientAs(api, tenant, 'admin');
    for (const call of [
      admin.billing.setPlan.mutate({ tenantId, reason: 'Self-service', tier: 'enterprise', monthlyPriceCents: 1 }),
      admin.billing.issueInvoice.mutate({ tenantId, reason: 'Self-service' }),
      admin.billing.recordPayment.mutate({
        tenantId,
        reason: 'Self-service',
        invoiceId: invoice?.id ?? '',
        outcome: 'paid',
      }),
      admin.billing.markOverdue.mutate({ tenantId, reason: 'Self-service' }),
    ]) {
      await expectRefused(call, 'FORBIDDEN', /platform operators/);
    }
    await expectRefused(admin.billing.summary.query({ tenantId: otherId }), 'NOT_FOUND', 'Tenant not found');
  });
});
