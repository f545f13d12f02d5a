export { type MailBranding, PRODUCT_BRANDING, tenantBranding } from './branding.js';
export {
  AccountEmailDelivery,
  type AccountEmailDeliveryEntity,
  TenantEmailDelivery,
  type TenantEmailDeliveryEntity,
} from './email-delivery.entity.js';
export { Mailer, type OutgoingEmail } from './mailer.js';
export { type Recipient, tenantAdmins } from './recipients.js';
export { type SendAttempt, type SendOutcome, sendEmail } from './send-email.js';
export { type RenderedEmail, renderEmail } from './templates.js';
