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

/** What each template needs; producers fill these, the email worker renders them. */
export const EMAIL_DATA = {
  welcome: z.object({ tenantName: z.string(), recipientName: z.string(), setPasswordUrl: z.string().url() }),
  invitation: z.object({
    tenantName: z.string(),
    inviterName: z.string(),
    role: z.string(),
    acceptUrl: z.string().url(),
    expiresAt: z.string(),
  }),
  password_reset: z.object({ recipientName: z.string(), resetUrl: z.string().url(), expiresAt: z.string() }),
  trial_reminder: z.object({
    tenantName: z.string(),
    daysLeft: z.number().int(),
    trialEndsAt: z.string(),
    upgradeUrl: z.string().url(),
  }),
  trial_ended: z.object({ tenantName: z.string(), outcome: z.enum(['converted_to_basic', 'suspended']) }),
  limit_alert: z.object({
    tenantName: z.string(),
    limit: z.enum(['seats', 'storage', 'api_calls']),
    thresholdPercent: z.number().int(),
    used: z.number(),
    max: z.number(),
    usageUrl: z.string().url(),
  }),
  offboarding: z.object({ tenantName: z.string(), message: z.string() }),
} satisfies Record<EmailTemplate, z.ZodType>;

const emailEnvelope = {
  /** The tenant whose branding frames the message; null for account-level mail (password reset). */
  tenantId: z.number().int().positive().nullable(),
  to: z.string().email(),
  /** One message per cause: a retried or duplicated job with the same key never sends twice. */
  dedupeKey: z.string().min(1).max(200),
};

const emailOf = <T extends EmailTemplate>(template: T) =>
  z.object({ ...emailEnvelope, template: z.literal(template), data: EMAIL_DATA[template] as (typeof EMAIL_DATA)[T] });

export const emailPayload = z.discriminatedUnion('template', [
  emailOf('welcome'),
  emailOf('invitation'),
  emailOf('password_reset'),
  emailOf('trial_reminder'),
  emailOf('trial_ended'),
  emailOf('limit_alert'),
  emailOf('offboarding'),
]);
export type EmailPayload = z.infer<typeof emailPayload>;

export const JOBS = {
  'email.send': { queue: 'emails', payload: emailPayload, options: retried(8) },
} as const satisfies Record<string, JobDefinition>;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.input<(typeof JOBS)[N]['payload']>;
