import { describe, expect, it } from 'vitest';
import { computeHealthScore } from '../health-score/health-score.js';
import type { TenantContext } from '../services/context.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { createTenantWithMembers, useServiceDeps, useTestDatabase } from '../testing/index.js';
import { openTicket, rateTicket, replyToTicket, resolveTicket, type SupportViewer } from './support.service.js';

const database = useTestDatabase();
const deps = useServiceDeps(() => database.db);
const HOUR = 3_600_000;

describe('support tickets feed the health score as docs/health-score.md documents', () => {
  it('moves the support component with ratings, response and resolution times and ticket volume', async () => {
    const t = await createTenantWithMembers(database.db, 'Support Health', 'professional');
    const member: SupportViewer = { userId: t.users.member, support: false };
    const admin: SupportViewer = { userId: t.users.admin, support: true };
    const t0 = Date.UTC(2026, 10, 2, 9);
    const at = <T>(hoursAfter: number, service: (ctx: TenantContext) => Promise<T>) =>
      deps.run(t.tenantId, service, { now: new Date(t0 + hoursAfter * HOUR) });
    const support = async (hoursAfter: number) =>
      (
        await at(hoursAfter, async (ctx) =>
          computeHealthScore(ctx, await ctx.em.findOneOrFail(Tenant, { id: t.tenantId })),
        )
      ).components.supportSatisfaction;

    // No ticket in 90 days: neutral.
    expect((await support(0)).value).toBe(0.75);

    const first = await at(0, (ctx) =>
      openTicket(ctx, member, { subject: 'Export', body: 'How?', priority: 'normal' }),
    );
    await at(2, (ctx) => replyToTicket(ctx, admin, { ticketId: first.id, body: 'Like this.' }));
    await at(10, (ctx) => resolveTicket(ctx, admin, { ticketId: first.id }));
    await at(11, (ctx) => rateTicket(ctx, member, { ticketId: first.id, rating: 5 }));
    // Rated 5 (1), answered in 2 h (1 of 1), resolved in 10 h (1 of 1), volume 1 − 1/(2×4) = 0.875.
    const one = await support(24);
    expect(one.inputs).toMatchObject({ tickets: 1, rated: 1, respondedInTime: 1, responseDue: 1, seats: 4 });
    expect(one.value).toBeCloseTo(0.5 + 0.2 + 0.2 + 0.1 * 0.875, 10);

    // A second ticket nobody answers: after 3 days both time targets are missed, volume grows.
    const second = await at(24, (ctx) =>
      openTicket(ctx, member, { subject: 'Broken', body: 'It fails', priority: 'urgent' }),
    );
    const two = await support(24 + 73);
    expect(two.inputs).toMatchObject({ tickets: 2, responseDue: 2, respondedInTime: 1, resolutionDue: 2 });
    expect(two.value).toBeCloseTo(0.5 * 1 + 0.2 * 0.5 + 0.2 * 0.5 + 0.1 * 0.75, 10);

    // Resolved after 4 days and rated 1: satisfaction falls to (1 + 0) / 2.
    await at(24 + 96, (ctx) => resolveTicket(ctx, admin, { ticketId: second.id }));
    await at(24 + 97, (ctx) => rateTicket(ctx, member, { ticketId: second.id, rating: 1 }));
    const rated = await support(24 + 98);
    expect(rated.value).toBeCloseTo(0.5 * 0.5 + 0.2 * 0.5 + 0.2 * 0.5 + 0.1 * 0.75, 10);
  });

  it('counts only support replies to someone else’s ticket as a response', async () => {
    const t = await createTenantWithMembers(database.db, 'Support Self', 'professional');
    const admin: SupportViewer = { userId: t.users.admin, support: true };
    const own = await deps.run(t.tenantId, (ctx) =>
      openTicket(ctx, admin, { subject: 'Mine', body: 'note', priority: 'low' }),
    );
    const reply = await deps.run(t.tenantId, (ctx) => replyToTicket(ctx, admin, { ticketId: own.id, body: 'more' }));
    expect(reply.firstResponseAt).toBeNull();
  });
});
