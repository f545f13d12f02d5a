export {
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
} from './definitions.js';
export { type EnqueueOptions, JobQueues } from './queues.js';
