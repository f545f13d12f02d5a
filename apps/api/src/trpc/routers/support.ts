import { DomainError } from '@digame/core/errors';
import {
  assignTicket,
  getTicket,
  listTickets,
  openTicket,
  rateTicket,
  replyToTicket,
  resolveTicket,
  type SupportViewer,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
} from '@digame/core/support';
import { z } from 'zod';
import { can, operatorProcedure, router } from '../trpc.js';
import { isoDateTime, pageLimit, resolveTenant } from './admin-common.js';

const person = z.object({ userId: z.string(), fullName: z.string() }).nullable();
const ticketOutput = z.object({
  id: z.string(),
  subject: z.string(),
  body: z.string(),
  priority: z.enum(TICKET_PRIORITIES),
  status: z.enum(TICKET_STATUSES),
  openedBy: person,
  assignedTo: person,
  satisfactionRating: z.number().nullable(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
  firstResponseAt: isoDateTime.nullable(),
  resolvedAt: isoDateTime.nullable(),
});
const ticketWithMessages = ticketOutput.extend({
  messages: z.array(
    z.object({
      id: z.string(),
      author: person,
      fromSupport: z.boolean(),
      body: z.string(),
      createdAt: isoDateTime,
    }),
  ),
});

const ticketId = z.uuid('must be a ticket id');
const messageBody = z.string().trim().min(1, 'write a message').max(10_000, 'at most 10,000 characters');
const openInput = z.strictObject({
  subject: z.string().trim().min(3, 'at least 3 characters').max(200, 'at most 200 characters'),
  body: messageBody,
  priority: z.enum(TICKET_PRIORITIES).default('normal'),
});

const opener = can('support.open');
const staff = can('support.manage');

/** Members follow the tickets they opened; support.manage sees and answers every ticket of the tenant. */
function viewerOf(ctx: { principal: { userId: string | null; permissions: ReadonlySet<string> } }): SupportViewer {
  // A ticket is a conversation with a person: an API key without a member behind it has none.
  if (!ctx.principal.userId) {
    throw new DomainError('FORBIDDEN', 'Support tickets belong to a signed-in member', {
      details: { reason: 'member_required' },
    });
  }
  return { userId: ctx.principal.userId, support: ctx.principal.permissions.has('support.manage') };
}

/** Platform operators act in a tenant as support; each call is audited there with its reason. */
const operatorAddress = { tenantId: z.uuid('must be a tenant id (uuid)'), ticketId };
const operatorViewer = (userId: string | null): SupportViewer =>
  viewerOf({ principal: { userId, permissions: new Set(['support.manage']) } });

export const supportRouter = router({
  open: opener
    .input(openInput)
    .output(ticketOutput)
    .mutation(({ ctx, input }) => ctx.run((sc) => openTicket(sc, viewerOf(ctx), input))),

  /** Newest first: the caller's own tickets, or every ticket for support staff. */
  list: opener
    .input(z.strictObject({ status: z.enum(TICKET_STATUSES).optional(), limit: pageLimit }).default({ limit: 25 }))
    .output(z.array(ticketOutput))
    .query(({ ctx, input }) => ctx.run((sc) => listTickets(sc, viewerOf(ctx), input))),

  get: opener
    .input(z.strictObject({ ticketId }))
    .output(ticketWithMessages)
    .query(({ ctx, input }) => ctx.run((sc) => getTicket(sc, viewerOf(ctx), input.ticketId))),

  reply: opener
    .input(z.strictObject({ ticketId, body: messageBody }))
    .output(ticketOutput)
    .mutation(({ ctx, input }) => ctx.run((sc) => replyToTicket(sc, viewerOf(ctx), input))),

  assign: staff
    .input(z.strictObject({ ticketId, assigneeUserId: z.uuid('must be a user id').nullable() }))
    .output(ticketOutput)
    .mutation(({ ctx, input }) => ctx.run((sc) => assignTicket(sc, viewerOf(ctx), input))),

  resolve: opener
    .input(z.strictObject({ ticketId }))
    .output(ticketOutput)
    .mutation(({ ctx, input }) => ctx.run((sc) => resolveTicket(sc, viewerOf(ctx), input))),

  rate: opener
    .input(
      z.strictObject({
        ticketId,
        rating: z.number().int('a whole number from 1 to 5').min(1, 'from 1 to 5').max(5, 'from 1 to 5'),
      }),
    )
    .output(ticketOutput)
    .mutation(({ ctx, input }) => ctx.run((sc) => rateTicket(sc, viewerOf(ctx), input))),

  /** Platform operators answering a tenant's ticket. */
  operator: router({
    get: operatorProcedure
      .input(z.strictObject(operatorAddress))
      .output(ticketWithMessages)
      .query(async ({ ctx, input }) =>
        ctx.runAsOperator(await resolveTenant(ctx, input.tenantId), `support ticket ${input.ticketId}`, (sc) =>
          getTicket(sc, operatorViewer(ctx.actor.userId), input.ticketId),
        ),
      ),

    reply: operatorProcedure
      .input(z.strictObject({ ...operatorAddress, body: messageBody }))
      .output(ticketOutput)
      .mutation(async ({ ctx, input: { tenantId, ...reply } }) =>
        ctx.runAsOperator(await resolveTenant(ctx, tenantId), `support ticket ${reply.ticketId}`, (sc) =>
          replyToTicket(sc, operatorViewer(ctx.actor.userId), reply),
        ),
      ),

    assign: operatorProcedure
      .input(z.strictObject({ ...operatorAddress, assigneeUserId: z.uuid('must be a user id').nullable() }))
      .output(ticketOutput)
      .mutation(async ({ ctx, input: { tenantId, ...assignment } }) =>
        ctx.runAsOperator(await resolveTenant(ctx, tenantId), `support ticket ${assignment.ticketId}`, (sc) =>
          assignTicket(sc, operatorViewer(ctx.actor.userId), assignment),
        ),
      ),

    resolve: operatorProcedure
      .input(z.strictObject(operatorAddress))
      .output(ticketOutput)
      .mutation(async ({ ctx, input: { tenantId, ticketId: id } }) =>
        ctx.runAsOperator(await resolveTenant(ctx, tenantId), `support ticket ${id}`, (sc) =>
          resolveTicket(sc, operatorViewer(ctx.actor.userId), { ticketId: id }),
        ),
      ),
  }),
});
