import { describe, expect, it } from 'vitest';
import { createTenantWithMembers } from '../testing/fixtures.js';
import { rawClient, useTestDatabase } from '../testing/harness.js';
import { useServiceDeps } from '../testing/service-deps.js';
import { getTenant, readTenantView } from './tenant-admin.js';

const database = useTestDatabase();
const deps = useServiceDeps(() => database.db);

describe('readTenantView', () => {
  it('returns what getTenant returns for a newly created tenant', async () => {
    const { tenantId } = await createTenantWithMembers(database.db, `Fresh ${Math.random()}`);
    const viaOrm = await deps.run(tenantId, getTenant);
    expect(await readTenantView(database.db.readOnly(), tenantId)).toStrictEqual(viaOrm);
  });

  it('returns what getTenant returns for a fully populated tenant', async () => {
    const { tenantId } = await createTenantWithMembers(database.db, `Full ${Math.random()}`, 'enterprise');
    // Every column the view shows, set as the owner: microsecond timestamps, quotes, backslashes, unicode.
    const owner = await rawClient(database.ownerUrl);
    try {
      await owner.query(
        `update tenants set domain = $2, max_users = null, is_trial = true,
           trial_ends_at = '2027-01-15 12:34:56.789123+00', is_active = false,
           suspended_at = '2026-12-01 08:00:00.000001+02', suspension_reason = $3,
           settings = $4, branding = $5, features = $6, phone = '+1 555 123 4567', address = $7,
           admin_name = $8, updated_at = now() where id = $1`,
        [
          tenantId,
          `full-${tenantId}.example.com`,
          "Overdue 'invoice' \\ reminder",
          JSON.stringify({ timezone: 'Europe/Berlin', date_format: 'DD.MM.YYYY', currency: 'EUR' }),
          JSON.stringify({ primary_color: '#007bff', logo_url: 'https://cdn.example.com/logo.png' }),
          JSON.stringify({ custom_branding: true, ai_insights: false }),
          'Große Straße 1\n10115 Berlin',
          'Zoë O’Connor 😀',
        ],
      );
    } finally {
      await owner.end();
    }
    const viaOrm = await deps.run(tenantId, getTenant);
    const hot = await readTenantView(database.db.readOnly(), tenantId);
    expect(hot).toStrictEqual(viaOrm);
    expect(hot).toMatchObject({
      domain: `full-${tenantId}.example.com`,
      isTrial: true,
      isActive: false,
      limits: { maxUsers: null },
      trialEndsAt: new Date('2027-01-15T12:34:56.789Z'),
      suspendedAt: new Date('2026-12-01T06:00:00.000Z'),
      settings: { timezone: 'Europe/Berlin' },
      branding: { primary_color: '#007bff' },
      features: { custom_branding: true, ai_insights: false },
    });
  });
});
