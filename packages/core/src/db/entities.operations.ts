import { LimitAlert } from '../alerts/limit-alert.entity.js';
import { TenantHealthScore } from '../health-score/health-score.entity.js';
import { AccountEmailDelivery, TenantEmailDelivery } from '../mail/email-delivery.entity.js';
import { TenantApiPerformance } from '../operator-analytics/api-performance.entity.js';
import { MonthlyReportFile } from '../reports/monthly-report.entity.js';
import { SupportTicket, SupportTicketMessage } from '../support/support-ticket.entity.js';

/** Entities added for issue 5 (workers and realtime). Tenant-scoped unless listed as global. */
export const OPERATIONS_ENTITIES = {
  /** Account-level mail (password reset) has no tenant: see AccountEmailDelivery for why. */
  global: [AccountEmailDelivery] as const,
  tenantScoped: [
    TenantEmailDelivery,
    LimitAlert,
    TenantHealthScore,
    SupportTicket,
    SupportTicketMessage,
    MonthlyReportFile,
    TenantApiPerformance,
  ] as const,
};
