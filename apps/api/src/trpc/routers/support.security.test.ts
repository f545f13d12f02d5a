import { SupportTicket, SupportTicketMessage } from '@digame/core/support';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { createTRPCClient, httpSubscriptionLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, clientAs, expectRefused, tenantUuid } from '../../testing/admin.js';
import { useTestApi } from '../../testing/test-api.js';
import type { AppRouter } from '../router.js';
import type { PublicDomainEvent } from './events.js';

const api = useTestApi();
let acme: TenantFixture;
let globex: TenantFixture;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Support Acme', 'professional');
  globex = await createTenantWithMembers(api.database.db, 'Support Globex', 'professional');
});

const newTicket = { subject: 'Export fails', body: 'The CSV export stops at 10 rows.', priority: 'high' as const };

describe('support tickets', () => {
  it('let a member open a ticket that support answers, assigns and resolves, and the opener rates', async () => {
    const member = await clientAs(api, acme, 'member');
    const admin = await clientAs(api, acme, 'admin');
    const opened = await member.support.open.mutate(newTicket);
    expect(opened).toMatchObject({ status: 'open', priority: 'high', firstResponseAt: null });
    expect(opened.openedBy?.userId).toBe(acme.users.member);

    expect((await admin.support.list.query()).map((t) => t.id)).toContain(opened.id);
    const answered = await admin.support.reply.mutate({ ticketId: opened.id, body: 'Fixed in the next release.' });
    expect(answered.firstResponseAt).not.toBeNull();
    await member.support.reply.mutate({ ticketId: opened.id, body: 'Thanks!' });
    const assigned = await admin.support.assign.mutate({ ticketId: opened.id, assigneeUserId: acme.users.admin });
    expect(assigned.assignedTo?.userId).toBe(acme.users.admin);

    await expectRefused(
      member.support.rate.mutate({ ticketId: opened.id, rating: 4 }),
      'PRECONDITION_FAILED',
      'A ticket is rated once it is resolved',
    );
    await admin.support.resolve.mutate({ ticketId: opened.id });
    await expectRefused(
      admin.support.rate.mutate({ ticketId: opened.id, rating: 5 }),
      'FORBIDDEN',
      'Only the person who opened a ticket rates it',
    );
    expect((await member.support.rate.mutate({ ticketId: opened.id, rating: 4 })).satisfactionRating).toBe(4);

    const detail = await member.support.get.query({ ticketId: opened.id });
    expect(detail.messages.map((m) => [m.body, m.fromSupport])).toEqual([
      ['Fixed in the next release.', true],
      ['Thanks!', false],
    ]);
    expect((await auditEntries(api.database.db, acme.tenantId, 'support.ticket_resolved')).length).toBe(1);
  });

  it('show members only their own tickets and keep assigning and other people’s tickets to support', async () => {
    const member = await clientAs(api, acme, 'member');
    const manager = await clientAs(api, acme, 'manager');
    const mine = await manager.support.open.mutate({ ...newTicket, subject: 'Manager question' });
    expect((await member.support.list.query()).map((t) => t.id)).not.toContain(mine.id);
    await expectRefused(member.support.get.query({ ticketId: mine.id }), 'NOT_FOUND', 'Ticket not found');
    await expectRefused(member.support.reply.mutate({ ticketId: mine.id, body: 'hi' }), 'NOT_FOUND');
    await expectRefused(
      manager.support.assign.mutate({ ticketId: mine.id, assigneeUserId: acme.users.admin }),
      'FORBIDDEN',
      'Missing permission: support.manage',
    );
    const viewer = await clientAs(api, acme, 'viewer');
    await expectRefused(viewer.support.open.mutate(newTicket), 'FORBIDDEN', 'Missing permission: support.open');
  });

  it('answer bad input with field messages', async () => {
    const member = await clientAs(api, acme, 'member');
    const admin = await clientAs(api, acme, 'admin');
    const bad = await expectRefused(
      member.support.open.mutate({ subject: 'x', body: '', priority: 'high' }),
      'BAD_REQUEST',
    );
    expect(bad.data.fields).toEqual({ subject: 'at least 3 characters', body: 'write a message' });
    const ticket = await member.support.open.mutate(newTicket);
    const rating = await expectRefused(member.support.rate.mutate({ ticketId: ticket.id, rating: 6 }), 'BAD_REQUEST');
    expect(rating.data.fields).toEqual({ rating: 'from 1 to 5' });
    const assignee = await expectRefused(
      admin.support.assign.mutate({ ticketId: ticket.id, assigneeUserId: acme.users.member }),
      'BAD_REQUEST',
    );
    expect(assignee.data.fields).toEqual({
      assigneeUserId: 'must be an active admin of this organization or a platform operator',
    });
  });

  it('tell the tenant’s live dashboards when a ticket changes', async () => {
    const token = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.admin, role: 'admin' });
    const received: PublicDomainEvent[] = [];
    let started: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      started = resolve;
    });
    const subscription = createTRPCClient<AppRouter>({
      links: [
        httpSubscriptionLink({
          url: `${api.url}/trpc`,
          EventSource,
          eventSourceOptions: {
            fetch: (input, init) =>
              fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${token}` } }),
          },
        }),
      ],
    }).events.stream.subscribe({}, { onStarted: () => started(), onData: (envelope) => received.push(envelope.data) });
    try {
      await ready;
      const ticket = await (await clientAs(api, acme, 'member')).support.open.mutate(newTicket);
      const deadline = Date.now() + 10_000;
      while (!received.some((e) => e.type === 'support.changed' && e.data.ticketId === ticket.id)) {
        if (Date.now() > deadline) throw new Error('no support.changed event arrived');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    } finally {
      subscription.unsubscribe();
    }
  });
});

describe('support tickets across tenants', () => {
  it('never show or let another tenant act on a ticket, through the API', async () => {
    const ticket = await (await clientAs(api, acme, 'member')).support.open.mutate(newTicket);
    const other = await clientAs(api, globex, 'admin');
    expect((await other.support.list.query({ limit: 100 })).map((t) => t.id)).not.toContain(ticket.id);
    await expectRefused(other.support.get.query({ ticketId: ticket.id }), 'NOT_FOUND', 'Ticket not found');
    await expectRefused(other.support.reply.mutate({ ticketId: ticket.id, body: 'mine now' }), 'NOT_FOUND');
    await expectRefused(other.support.resolve.mutate({ ticketId: ticket.id }), 'NOT_FOUND');
    await expectRefused(
      other.support.assign.mutate({ ticketId: ticket.id, assigneeUserId: globex.users.admin }),
      'NOT_FOUND',
    );
    const detail = await (await clientAs(api, acme, 'admin')).support.get.query({ ticketId: ticket.id });
    expect(detail).toMatchObject({ status: 'open', messages: [], assignedTo: null });
  });

  it('keep tickets and messages hidden by row-level security with the ORM filter off', async () => {
    const ticket = await (await clientAs(api, acme, 'member')).support.open.mutate(newTicket);
    await (await clientAs(api, acme, 'admin')).support.reply.mutate({ ticketId: ticket.id, body: 'secret answer' });
    await api.database.db.inTenant(globex.tenantId, async (em) => {
      expect(await em.find(SupportTicket, { id: ticket.id }, { filters: false })).toEqual([]);
      expect(await em.count(SupportTicketMessage, { tenant: acme.tenantId }, { filters: false })).toBe(0);
      const raw = await em.execute(
        'select count(*)::int as n from tenant_support_ticket_messages where ticket_id = ?',
        [ticket.id],
      );
      expect(raw).toEqual([{ n: 0 }]);
      // Nor can a write aim rows at the other tenant.
      await expect(
        em.execute(
          `insert into tenant_support_ticket_messages (tenant_id, id, ticket_id, from_support, body) values (?, gen_random_uuid(), ?, true, 'x')`,
          [acme.tenantId, ticket.id],
        ),
      ).rejects.toThrow(/row-level security/);
    });
  });

  it('let platform operators answer and resolve a tenant’s ticket, audited in that tenant', async () => {
    const ticket = await (await clientAs(api, acme, 'member')).support.open.mutate(newTicket);
    const operator = await clientAs(api, globex, 'admin', { platformOperator: true });
    const tenantId = await tenantUuid(api.database.db, acme.tenantId);
    const answered = await operator.support.operator.reply.mutate({ tenantId, ticketId: ticket.id, body: 'On it.' });
    expect(answered.firstResponseAt).not.toBeNull();
    const assigned = await operator.support.operator.assign.mutate({
      tenantId,
      ticketId: ticket.id,
      assigneeUserId: globex.users.admin,
    });
    expect(assigned.assignedTo?.userId).toBe(globex.users.admin);
    expect((await operator.support.operator.resolve.mutate({ tenantId, ticketId: ticket.id })).status).toBe('resolved');
    const accesses = await auditEntries(api.database.db, acme.tenantId, 'platform.tenant_accessed');
    expect(accesses.filter((a) => a.details.reason === `support ticket ${ticket.id}`)).toHaveLength(3);

    const notOperator = await clientAs(api, globex, 'manager');
    await expectRefused(
      notOperator.support.operator.get.query({ tenantId, ticketId: ticket.id }),
      'FORBIDDEN',
      'Only platform operators may do this',
    );
  });
});
