import type { JobsOptions } from 'bullmq';
import { z } from 'zod';

/**
 * Every background job: a dotted name, the queue it runs on, a zod payload and its options.
 * Producers (api, core services) enqueue by name with a payload checked at compile time and at
 * run time; handlers live in apps/worker, one per name.
 */
export interface JobDefinition<Payload extends z.ZodType = z.ZodType> {
  queue: QueueName;
  payload: Payload;
  options: JobsOptions;
}

export const QUEUES = ['emails', 'usage', 'lifecycle'] as const;
export type QueueName = (typeof QUEUES)[number];

const retried = (attempts: number): JobsOptions => ({
  attempts,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
});

export const EMAIL_TEMPLATES = [
  'welcome',
  'invitation',
  'password_reset',
  'trial_reminder',
  'trial_ended',
  'limit_alert',
  'offboarding',
] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

export const emailPayload = z.object({
  /** The tenant whose branding frames the message; null for account-level mail (password reset). */
  tenantId: z.number().int().positive().nullable(),
  to: z.string().email(),
  template: z.enum(EMAIL_TEMPLATES),
  /** One message per cause: a retried or duplicated job with the same key never sends twice. */
  dedupeKey: z.string().min(1).max(200),
  data: z.record(z.string(), z.unknown()),
});
export type EmailPayload = z.infer<typeof emailPayload>;

export const JOBS = {
  'email.send': { queue: 'emails', payload: emailPayload, options: retried(8) },
} as const satisfies Record<string, JobDefinition>;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.input<(typeof JOBS)[N]['payload']>;
