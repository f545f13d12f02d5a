import { describe, expect, it } from 'vitest';
import type { EmailPayload } from '../jobs/definitions.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { createTenantWithMembers, rawClient, useSmtpReceiver, useTestDatabase } from '../testing/index.js';
import { Mailer } from './mailer.js';
import { sendEmail } from './send-email.js';

const database = useTestDatabase();
const smtp = useSmtpReceiver();

function invitation(tenantId: number, dedupeKey: string, to = 'new.person@example.com'): EmailPayload {
  return {
    tenantId,
    to,
    dedupeKey,
    template: 'invitation',
    data: {
      tenantName: 'Acme',
      inviterName: 'Ada Admin',
      role: 'member',
      acceptUrl: 'https://app.example.com/invitations/accept?token=inv_abc',
      expiresAt: '2026-12-04T00:00:00.000Z',
    },
  };
}

describe('sendEmail', () => {
  it('sends text and HTML framed with the tenant branding', async () => {
    const { tenantId } = await createTenantWithMembers(database.db, 'Brand Co');
    await database.db.inGlobal(async (em) => {
      const tenant = await em.findOneOrFail(Tenant, { id: tenantId });
      tenant.branding = { primary_color: '#ff5500', logo_url: 'https://cdn.example.com/logo.png' };
    });
    const mailer = new Mailer(smtp.current.url, 'Digame <no-reply@digame.test>');
    const outcome = await sendEmail(
      { db: database.db, mailer },
      invitation(tenantId, 'invite:1', 'brand@example.com'),
      {
        jobId: 'j1',
        attempt: 1,
      },
    );
    expect(outcome).toBe('sent');
    const [mail] = smtp.current.to('brand@example.com');
    expect(mail?.subject).toBe('Ada Admin invited you to join Acme');
    expect(mail?.text).toContain('https://app.example.com/invitations/accept?token=inv_abc');
    expect(mail?.html).toContain('background:#ff5500');
    expect(mail?.html).toContain('src="https://cdn.example.com/logo.png"');
    expect(mail?.html).toContain('Brand Co');
    mailer.close();
  });

  it('sends once per dedupe key, whatever retries and duplicates do', async () => {
    const { tenantId } = await createTenantWithMembers(database.db, 'Once Co');
    const mailer = new Mailer(smtp.current.url, 'Digame <no-reply@digame.test>');
    const payload = invitation(tenantId, 'invite:once', 'once@example.com');
    const deps = { db: database.db, mailer };
    // Two different jobs carrying the same cause, at the same time.
    const outcomes = await Promise.all([
      sendEmail(deps, payload, { jobId: 'a', attempt: 1 }),
      sendEmail(deps, payload, { jobId: 'b', attempt: 1 }),
    ]);
    expect(outcomes.filter((outcome) => outcome === 'sent')).toHaveLength(1);
    // A retry of either after success, and a later duplicate.
    expect(await sendEmail(deps, payload, { jobId: 'a', attempt: 2 })).toBe('already_sent');
    expect(await sendEmail(deps, payload, { jobId: 'c', attempt: 1 })).toBe('already_sent');
    expect(smtp.current.to('once@example.com')).toHaveLength(1);
    mailer.close();
  });

  it('releases the claim when SMTP fails, so the retry sends', async () => {
    const { tenantId } = await createTenantWithMembers(database.db, 'Retry Co');
    const deps = { db: database.db, mailer: new Mailer('smtp://127.0.0.1:1', 'Digame <no-reply@digame.test>') };
    const payload = invitation(tenantId, 'invite:retry', 'retry@example.com');
    await expect(sendEmail(deps, payload, { jobId: 'r', attempt: 1 })).rejects.toThrow();
    const working = { db: database.db, mailer: new Mailer(smtp.current.url, 'Digame <no-reply@digame.test>') };
    expect(await sendEmail(working, payload, { jobId: 'r', attempt: 2 })).toBe('sent');
    expect(smtp.current.to('retry@example.com')).toHaveLength(1);
    working.mailer.close();
  });

  it('keeps account-level mail in the global table and tenant mail in the tenant table (RLS applies)', async () => {
    const a = await createTenantWithMembers(database.db, 'Rls A');
    const b = await createTenantWithMembers(database.db, 'Rls B');
    const mailer = new Mailer(smtp.current.url, 'Digame <no-reply@digame.test>');
    await sendEmail({ db: database.db, mailer }, invitation(a.tenantId, 'invite:rls', 'rls@example.com'), {
      jobId: 'x',
      attempt: 1,
    });
    await sendEmail(
      { db: database.db, mailer },
      {
        tenantId: null,
        to: 'reset@example.com',
        dedupeKey: 'password-reset:token-1',
        template: 'password_reset',
        data: { recipientName: 'Ria', resetUrl: 'https://app.example.com/reset?t=1', expiresAt: 'in an hour' },
      },
      { jobId: 'y', attempt: 1 },
    );
    expect(smtp.current.to('reset@example.com')[0]?.subject).toBe('Reset your password');
    const seenByB = await database.db.inTenant(b.tenantId, (em) => em.execute('select * from tenant_email_deliveries'));
    expect(seenByB).toEqual([]);
    const owner = await rawClient(database.ownerUrl);
    try {
      const { rows } = await owner.query('select status from account_email_deliveries where dedupe_key = $1', [
        'password-reset:token-1',
      ]);
      expect(rows).toEqual([{ status: 'sent' }]);
    } finally {
      await owner.end();
    }
    mailer.close();
  });
});
