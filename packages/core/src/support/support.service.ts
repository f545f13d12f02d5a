import { type EntityManager, LoadStrategy, wrap } from '@mikro-orm/postgresql';
import { audit } from '../audit/audit.js';
import { DomainError } from '../errors/domain-error.js';
import type { TenantContext } from '../services/context.js';
import { User } from '../users/user.entity.js';
import {
  SupportTicket,
  type SupportTicketEntity,
  SupportTicketMessage,
  type TicketPriority,
  type TicketStatus,
} from './support-ticket.entity.js';

/**
 * Who is looking at or acting on tickets. `support` is true for the tenant's support staff (members
 * holding support.manage) and for platform operators acting in the tenant: they see every ticket and
 * their replies count as responses. Everyone else sees and acts on the tickets they opened.
 */
export interface SupportViewer {
  userId: string;
  support: boolean;
}

export interface TicketView {
  id: string;
  subject: string;
  body: string;
  priority: TicketPriority;
  status: TicketStatus;
  openedBy: { userId: string; fullName: string } | null;
  assignedTo: { userId: string; fullName: string } | null;
  satisfactionRating: number | null;
  createdAt: Date;
  updatedAt: Date;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
}

export interface TicketMessageView {
  id: string;
  author: { userId: string; fullName: string } | null;
  fromSupport: boolean;
  body: string;
  createdAt: Date;
}

/**
 * How support staff outside the tenant (platform operators) are named: row-level security shows a
 * tenant unit of work its own members' accounts only, so such a person's row stays unloaded.
 */
export const PLATFORM_SUPPORT_NAME = 'Platform support';

/** Loads people one query per relation, so a person the tenant cannot see keeps their id. */
const PEOPLE = { strategy: LoadStrategy.SELECT_IN } as const;

const person = (user: { id: string; fullName: string } | null | undefined) => {
  if (!user) return null;
  return { userId: user.id, fullName: wrap(user).isInitialized() ? user.fullName : PLATFORM_SUPPORT_NAME };
};

function toTicketView(ticket: SupportTicketEntity): TicketView {
  return {
    id: ticket.id,
    subject: ticket.subject,
    body: ticket.body,
    priority: ticket.priority,
    status: ticket.status,
    openedBy: person(ticket.openedBy),
    assignedTo: person(ticket.assignedTo),
    satisfactionRating: ticket.satisfactionRating ?? null,
    createdAt: ticket.createdAt,
    updatedAt: ticket.updatedAt,
    firstResponseAt: ticket.firstResponseAt ?? null,
    resolvedAt: ticket.resolvedAt ?? null,
  };
}

const ticketNotFound = () => new DomainError('NOT_FOUND', 'Ticket not found');

/** A ticket the viewer may see; another member's ticket is answered exactly like a missing one. */
async function visibleTicket(ctx: TenantContext, viewer: SupportViewer, ticketId: string) {
  const ticket = await ctx.em.findOne(
    SupportTicket,
    { tenant: ctx.tenantId, id: ticketId },
    { populate: ['openedBy', 'assignedTo'], ...PEOPLE },
  );
  if (!ticket) throw ticketNotFound();
  if (!viewer.support && ticket.openedBy?.id !== viewer.userId) throw ticketNotFound();
  return ticket;
}

function changed(
  ctx: TenantContext,
  ticket: SupportTicketEntity,
  action: string,
  details: Record<string, unknown> = {},
) {
  audit(ctx, { action: `support.${action}`, resourceType: 'support_ticket', resourceId: ticket.id, details });
  ctx.publish('support.changed', { ticketId: ticket.id, status: ticket.status, action });
}

export async function openTicket(
  ctx: TenantContext,
  viewer: SupportViewer,
  input: { subject: string; body: string; priority: TicketPriority },
): Promise<TicketView> {
  const ticket = ctx.em.create(SupportTicket, {
    tenant: ctx.tenantId,
    openedBy: viewer.userId,
    subject: input.subject,
    body: input.body,
    priority: input.priority,
    status: 'open',
    createdAt: ctx.now,
    updatedAt: ctx.now,
  });
  await ctx.em.flush();
  await ctx.em.populate(ticket, ['openedBy'], PEOPLE);
  changed(ctx, ticket, 'ticket_opened', { priority: input.priority });
  return toTicketView(ticket);
}

export async function listTickets(
  ctx: TenantContext,
  viewer: SupportViewer,
  filter: { status?: TicketStatus; limit: number },
): Promise<TicketView[]> {
  const tickets = await ctx.em.find(
    SupportTicket,
    {
      tenant: ctx.tenantId,
      ...(filter.status ? { status: filter.status } : {}),
      ...(viewer.support ? {} : { openedBy: viewer.userId }),
    },
    {
      populate: ['openedBy', 'assignedTo'],
      ...PEOPLE,
      orderBy: { createdAt: 'desc', id: 'desc' },
      limit: filter.limit,
    },
  );
  return tickets.map(toTicketView);
}

export async function getTicket(
  ctx: TenantContext,
  viewer: SupportViewer,
  ticketId: string,
): Promise<TicketView & { messages: TicketMessageView[] }> {
  const ticket = await visibleTicket(ctx, viewer, ticketId);
  const messages = await ctx.em.find(
    SupportTicketMessage,
    { tenant: ctx.tenantId, ticketId },
    { populate: ['author'], ...PEOPLE, orderBy: { createdAt: 'asc', id: 'asc' } },
  );
  return {
    ...toTicketView(ticket),
    messages: messages.map((message) => ({
      id: message.id,
      author: person(message.author),
      fromSupport: message.fromSupport,
      body: message.body,
      createdAt: message.createdAt,
    })),
  };
}

function assertOpen(ticket: SupportTicketEntity): void {
  if (ticket.status !== 'open') {
    throw new DomainError('PRECONDITION_FAILED', 'This ticket is resolved; open a new one', {
      details: { reason: 'ticket_resolved' },
    });
  }
}

/**
 * Adds a message. A reply by support to someone else's ticket is a response: the first one sets
 * `firstResponseAt`, which the health score's response-time part reads.
 */
export async function replyToTicket(
  ctx: TenantContext,
  viewer: SupportViewer,
  input: { ticketId: string; body: string },
): Promise<TicketView> {
  const ticket = await visibleTicket(ctx, viewer, input.ticketId);
  assertOpen(ticket);
  const fromSupport = viewer.support && ticket.openedBy?.id !== viewer.userId;
  ctx.em.create(SupportTicketMessage, {
    tenant: ctx.tenantId,
    ticketId: ticket.id,
    author: viewer.userId,
    fromSupport,
    body: input.body,
    createdAt: ctx.now,
  });
  if (fromSupport && !ticket.firstResponseAt) ticket.firstResponseAt = ctx.now;
  ticket.updatedAt = ctx.now;
  await ctx.em.flush();
  changed(ctx, ticket, 'ticket_replied', { fromSupport });
  return toTicketView(ticket);
}

/** Support only: hands the ticket to an admin of the tenant or a platform operator (null unassigns). */
export async function assignTicket(
  ctx: TenantContext,
  viewer: SupportViewer,
  input: { ticketId: string; assigneeUserId: string | null },
): Promise<TicketView> {
  assertSupport(viewer);
  const ticket = await visibleTicket(ctx, viewer, input.ticketId);
  if (input.assigneeUserId !== null && !(await maySupport(ctx, input.assigneeUserId))) {
    throw new DomainError('BAD_REQUEST', 'Tickets go to an admin of this organization or a platform operator', {
      fields: { assigneeUserId: 'must be an active admin of this organization or a platform operator' },
    });
  }
  ticket.assignedTo = input.assigneeUserId ? ctx.em.getReference(User, input.assigneeUserId) : null;
  ticket.updatedAt = ctx.now;
  await ctx.em.flush();
  // Loads the assignee's account into the reference when it is one the tenant may see.
  if (ticket.assignedTo) await ctx.em.findOne(User, { id: ticket.assignedTo.id });
  changed(ctx, ticket, 'ticket_assigned', { assigneeUserId: input.assigneeUserId });
  return toTicketView(ticket);
}

async function maySupport(ctx: TenantContext, userId: string): Promise<boolean> {
  const [row] = await ctx.em.execute<{ ok: boolean }[]>(
    `select active_platform_operator(?)
         or exists (select 1 from tenant_users tu where tu.tenant_id = ? and tu.user_id = ? and tu.is_active and tu.role = 'admin') as ok`,
    [userId, ctx.tenantId, userId],
  );
  return row?.ok === true;
}

function assertSupport(viewer: SupportViewer): void {
  if (!viewer.support) {
    throw new DomainError('FORBIDDEN', 'Missing permission: support.manage', {
      details: { reason: 'missing_permission', permission: 'support.manage' },
    });
  }
}

/** Support, or the opener withdrawing their own request, closes the ticket. */
export async function resolveTicket(
  ctx: TenantContext,
  viewer: SupportViewer,
  input: { ticketId: string },
): Promise<TicketView> {
  const ticket = await visibleTicket(ctx, viewer, input.ticketId);
  assertOpen(ticket);
  ticket.status = 'resolved';
  ticket.resolvedAt = ctx.now;
  ticket.updatedAt = ctx.now;
  await ctx.em.flush();
  changed(ctx, ticket, 'ticket_resolved');
  return toTicketView(ticket);
}

/** The opener rates a resolved ticket 1–5; rating again replaces the earlier rating. */
export async function rateTicket(
  ctx: TenantContext,
  viewer: SupportViewer,
  input: { ticketId: string; rating: number },
): Promise<TicketView> {
  const ticket = await visibleTicket(ctx, viewer, input.ticketId);
  if (ticket.openedBy?.id !== viewer.userId) {
    throw new DomainError('FORBIDDEN', 'Only the person who opened a ticket rates it', {
      details: { reason: 'not_the_opener' },
    });
  }
  if (ticket.status !== 'resolved') {
    throw new DomainError('PRECONDITION_FAILED', 'A ticket is rated once it is resolved', {
      details: { reason: 'ticket_not_resolved' },
    });
  }
  ticket.satisfactionRating = input.rating;
  ticket.updatedAt = ctx.now;
  await ctx.em.flush();
  changed(ctx, ticket, 'ticket_rated', { rating: input.rating });
  return toTicketView(ticket);
}

export interface InboxTicket {
  tenantUuid: string;
  tenantName: string;
  tier: string;
  id: string;
  subject: string;
  priority: TicketPriority;
  status: TicketStatus;
  assignedToUserId: string | null;
  createdAt: Date;
  firstResponseAt: Date | null;
}

const PRIORITY_ORDER = "array_position(array['urgent', 'high', 'normal', 'low'], st.priority)";

/**
 * The platform operators' inbox: tickets of every tenant, most urgent and oldest first. Takes the
 * EntityManager of Database.inPlatformRead; answering goes through the audited per-tenant path.
 */
export async function supportInbox(
  em: EntityManager,
  filter: { status: TicketStatus; limit: number },
): Promise<InboxTicket[]> {
  const rows = await em.execute<
    {
      tenant_uuid: string;
      tenant_name: string;
      tier: string;
      id: string;
      subject: string;
      priority: TicketPriority;
      status: TicketStatus;
      assigned_to_user_id: string | null;
      created_at: Date;
      first_response_at: Date | null;
    }[]
  >(
    `select t.tenant_uuid, t.name as tenant_name, t.subscription_tier as tier, st.id, st.subject, st.priority,
            st.status, st.assigned_to_user_id, st.created_at, st.first_response_at
       from tenant_support_tickets st join tenants t on t.id = st.tenant_id
      where st.status = ? order by ${PRIORITY_ORDER}, st.created_at asc limit ?`,
    [filter.status, filter.limit],
  );
  return rows.map((row) => ({
    tenantUuid: row.tenant_uuid,
    tenantName: row.tenant_name,
    tier: row.tier,
    id: row.id,
    subject: row.subject,
    priority: row.priority,
    status: row.status,
    assignedToUserId: row.assigned_to_user_id,
    createdAt: new Date(row.created_at),
    firstResponseAt: row.first_response_at ? new Date(row.first_response_at) : null,
  }));
}

export interface SupportVolume {
  opened: number;
  open: number;
  /** Mean hours from opening to the first support reply, over answered tickets. */
  meanFirstResponseHours: number | null;
  /** Mean hours from opening to resolution, over resolved tickets. */
  meanResolutionHours: number | null;
  /** Mean rating 1–5 over rated tickets. */
  meanRating: number | null;
}

/** Platform-wide support volume and times over tickets opened in the last `days` days. */
export async function supportVolume(em: EntityManager, now: Date, days: number): Promise<SupportVolume> {
  const since = new Date(now.getTime() - days * 24 * 3_600_000);
  const [row] = await em.execute<Record<string, string | null>[]>(
    `select count(*) as opened, count(*) filter (where status = 'open') as open,
            avg(extract(epoch from first_response_at - created_at)) / 3600 as response_hours,
            avg(extract(epoch from resolved_at - created_at)) / 3600 as resolution_hours,
            avg(satisfaction_rating) as rating
       from tenant_support_tickets where created_at >= ? and created_at <= ?`,
    [since, now],
  );
  const numberOrNull = (value: string | null | undefined) => (value == null ? null : Number(value));
  return {
    opened: Number(row?.opened ?? 0),
    open: Number(row?.open ?? 0),
    meanFirstResponseHours: numberOrNull(row?.response_hours),
    meanResolutionHours: numberOrNull(row?.resolution_hours),
    meanRating: numberOrNull(row?.rating),
  };
}
