export {
  EMAIL_DATA,
  EMAIL_TEMPLATES,
  type EmailPayload,
  type EmailTemplate,
  emailPayload,
  JOBS,
  type JobDefinition,
  type JobName,
  type JobPayload,
  QUEUES,
  type QueueName,
  SCHEDULES,
  type ScheduledJobName,
} from './definitions.js';
export { PermanentJobError } from './errors.js';
export { type EnqueueOptions, JobQueues } from './queues.js';
export { allTenantIds, inJobTenant, SYSTEM_ACTOR } from './tenant-job.js';
