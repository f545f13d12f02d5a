import { useTestApi } from '@digame/api/testing';
import { createTenantWithMembers, useSmtpReceiver } from '@digame/core/testing';
import { describe, expect, it } from 'vitest';
import { useInProcessWorker } from './testing/in-process.js';

const api = useTestApi();
const smtp = useSmtpReceiver();
useInProcessWorker(() => ({
  databaseUrl: api.database.appUrl,
  prefix: api.config.REDIS_PREFIX,
  smtpUrl: smtp.current.url,
}));

describe('invitation email', () => {
  it('arrives over SMTP, branded, with a link that accepts the invitation', async () => {
    const t = await createTenantWithMembers(api.database.db, 'Inviting Co');
    await api.database.db.inTenant(t.tenantId, (em) =>
      em.execute(`update tenants set branding = ? where id = ?`, [
        JSON.stringify({ primary_color: '#123456', logo_url: 'https://cdn.example.com/inviting.png' }),
        t.tenantId,
      ]),
    );
    const admin = api.client(await api.sessionToken({ tenantId: t.tenantId, userId: t.users.admin, role: 'admin' }));
    await admin.invitations.create.mutate({ email: 'newcomer@example.com', role: 'manager' });

    await smtp.current.waitFor(() => smtp.current.to('newcomer@example.com').length > 0);
    const [mail] = smtp.current.to('newcomer@example.com');
    expect(mail?.subject).toBe('Inviting Co admin invited you to join Inviting Co');
    expect(mail?.html).toContain('background:#123456');
    expect(mail?.html).toContain('https://cdn.example.com/inviting.png');
    const link = /(http:\/\/localhost:5173\/invitations\/accept\?token=\S+)/.exec(mail?.text ?? '')?.[1];
    expect(link).toBeDefined();

    const token = new URL(link as string).searchParams.get('token') as string;
    const accepted = await api.client().invitations.accept.mutate({
      token,
      fullName: 'New Comer',
      password: 'a long enough passphrase 42',
    });
    expect(accepted).toMatchObject({ role: 'manager', userCreated: true });
    const members = await api.database.db.inTenant(t.tenantId, (em) =>
      em.execute<{ role: string }[]>('select role from tenant_users where user_id = ?', [accepted.userId]),
    );
    expect(members).toEqual([{ role: 'manager' }]);
    // The delivery record holds the cause, so the same job run again sends nothing.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.current.to('newcomer@example.com')).toHaveLength(1);
  });
});
