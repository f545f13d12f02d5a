import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Database } from '../db/database.js';
import { unreachableDependency } from '../errors/outage.js';
import type { EmailPayload } from '../jobs/definitions.js';
import { PermanentJobError } from '../jobs/errors.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { type MailBranding, PRODUCT_BRANDING, tenantBranding } from './branding.js';
import type { Mailer } from './mailer.js';
import { renderEmail } from './templates.js';

/** The job attempt sending the mail: its id and how many times BullMQ has started it. */
export interface SendAttempt {
  jobId: string;
  attempt: number;
}

export type SendOutcome = 'sent' | 'already_sent' | 'sending_elsewhere';

/**
 * Sends an email exactly once per dedupe key, in three steps, each its own committed unit of work:
 *
 * 1. claim: insert the delivery row as `sending`, owned by this job attempt. The primary key
 *    (tenant_id, dedupe_key) lets one claimant through; a duplicated job with another id finds the
 *    row and stops (`sending_elsewhere` or `already_sent`). A later attempt of the SAME job may
 *    retake a `sending` row: BullMQ only starts a new attempt once the previous one failed or
 *    stalled (its worker died and its lock expired), so the previous attempt is no longer running.
 * 2. send over SMTP, with a Message-ID derived from the dedupe key.
 * 3. confirm: mark the row `sent`. A confirmed row is never sent again.
 *
 * If SMTP refuses or times out, the claim is released (row deleted) before the error propagates,
 * so the retry — or a duplicate — may send. Once the server has accepted the message the confirm
 * is retried through a PostgreSQL outage (up to CONFIRM_PATIENCE_MS) rather than failing the
 * attempt, since a failed attempt would send the message again. The one window that cannot be
 * closed over SMTP is a crash after the server took the message and before the confirm commits
 * (docs/scaling.md gives its measured size): the retry then sends again, with the same
 * Message-ID, which mail clients use to fold duplicates. Every other crash point (before or during
 * the SMTP dialogue) leaves no message and exactly one later send.
 */
export async function sendEmail(
  deps: { db: Database; mailer: Mailer },
  payload: EmailPayload,
  by: SendAttempt,
): Promise<SendOutcome> {
  const target = deliveryTarget(payload);
  const messageId = `<${createHash('sha256')
    .update(`${payload.tenantId ?? 'account'}:${payload.dedupeKey}`)
    .digest('hex')
    .slice(0, 40)}@${deps.mailer.domain}>`;

  const claim = await target.unit(deps.db, async (em) => {
    const branding = await target.branding(em);
    const [claimed] = await em.execute<{ status: string }[]>(
      `insert into ${target.table} (${target.keyColumns}, template, recipient, status, claimed_by_job, claim_attempt, claimed_at, message_id)
       values (${target.keyPlaceholders}, ?, ?, 'sending', ?, ?, now(), ?)
       on conflict (${target.keyColumns}) do update set claim_attempt = excluded.claim_attempt, claimed_at = excluded.claimed_at
         where ${target.table}.status = 'sending' and ${target.table}.claimed_by_job = excluded.claimed_by_job
           and ${target.table}.claim_attempt < excluded.claim_attempt
       returning status`,
      [...target.keyValues, payload.template, payload.to, by.jobId, by.attempt, messageId],
    );
    if (claimed) return { outcome: 'claimed' as const, branding };
    const [existing] = await em.execute<{ status: string }[]>(
      `select status from ${target.table} where ${target.keyMatch}`,
      target.keyValues,
    );
    return { outcome: existing?.status === 'sent' ? ('already_sent' as const) : ('sending_elsewhere' as const) };
  });
  if (claim.outcome !== 'claimed') return claim.outcome;

  const rendered = renderEmail(payload, claim.branding);
  const owned = `${target.keyMatch} and status = 'sending' and claimed_by_job = ? and claim_attempt = ?`;
  try {
    await deps.mailer.send({ to: payload.to, ...rendered, messageId });
  } catch (error) {
    await target.unit(deps.db, (em) =>
      em.execute(`delete from ${target.table} where ${owned}`, [...target.keyValues, by.jobId, by.attempt]),
    );
    throw error;
  }
  await whileDatabaseIsDown(() =>
    target.unit(deps.db, (em) =>
      em.execute(`update ${target.table} set status = 'sent', sent_at = now() where ${owned}`, [
        ...target.keyValues,
        by.jobId,
        by.attempt,
      ]),
    ),
  );
  return 'sent';
}

/** How long a sent message's confirm waits out a PostgreSQL outage before the attempt fails. */
export const CONFIRM_PATIENCE_MS = 60_000;

/** Runs `step`, retrying it (250 ms doubling to 2 s) while it fails because PostgreSQL is unreachable. */
async function whileDatabaseIsDown<T>(step: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + CONFIRM_PATIENCE_MS;
  for (let delay = 250; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await step();
    } catch (error) {
      if (unreachableDependency(error) !== 'postgres' || Date.now() + delay > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Where a payload's delivery record lives: the tenant's table, or the global one for account mail. */
function deliveryTarget(payload: EmailPayload) {
  const { tenantId, dedupeKey } = payload;
  if (tenantId === null) {
    return {
      table: 'account_email_deliveries',
      keyColumns: 'dedupe_key',
      keyPlaceholders: '?',
      keyMatch: 'dedupe_key = ?',
      keyValues: [dedupeKey] as unknown[],
      unit: <T>(db: Database, work: (em: EntityManager) => Promise<T>) => db.inGlobal(work),
      branding: async (_em: EntityManager): Promise<MailBranding> => PRODUCT_BRANDING,
    };
  }
  return {
    table: 'tenant_email_deliveries',
    keyColumns: 'tenant_id, dedupe_key',
    keyPlaceholders: '?, ?',
    keyMatch: 'tenant_id = ? and dedupe_key = ?',
    keyValues: [tenantId, dedupeKey] as unknown[],
    unit: <T>(db: Database, work: (em: EntityManager) => Promise<T>) => db.inTenant(tenantId, work),
    branding: async (em: EntityManager): Promise<MailBranding> => {
      const tenant = await em.findOne(Tenant, { id: tenantId });
      if (!tenant) throw new PermanentJobError('unknown tenant');
      return tenantBranding(tenant);
    },
  };
}
