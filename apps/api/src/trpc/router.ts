import { analyticsRouter } from './routers/analytics.js';
import { apiKeysRouter } from './routers/api-keys.js';
import { auditRouter } from './routers/audit.js';
import { authRouter } from './routers/auth.js';
import { billingRouter } from './routers/billing.js';
import { dataRouter } from './routers/data.js';
import { eventsRouter } from './routers/events.js';
import { featuresRouter } from './routers/features.js';
import { filesRouter } from './routers/files.js';
import { invitationsRouter } from './routers/invitations.js';
import { membersRouter } from './routers/members.js';
import { mfaRouter } from './routers/mfa.js';
import { offboardingRouter } from './routers/offboarding.js';
import { operationsRouter } from './routers/operations.js';
import { operatorAnalyticsRouter } from './routers/operator-analytics.js';
import { reportsRouter } from './routers/reports.js';
import { restoresRouter } from './routers/restores.js';
import { sessionsRouter } from './routers/sessions.js';
import { settingsRouter } from './routers/settings.js';
import { supportRouter } from './routers/support.js';
import { systemRouter } from './routers/system.js';
import { tenantsRouter } from './routers/tenants.js';
import { usageRouter } from './routers/usage.js';
import { router } from './trpc.js';

/** The root router only wires the domain sub-routers together. */
export const appRouter = router({
  system: systemRouter,
  // identity and access
  auth: authRouter,
  sessions: sessionsRouter,
  mfa: mfaRouter,
  apiKeys: apiKeysRouter,
  // tenant administration
  tenants: tenantsRouter,
  members: membersRouter,
  invitations: invitationsRouter,
  settings: settingsRouter,
  features: featuresRouter,
  billing: billingRouter,
  usage: usageRouter,
  audit: auditRouter,
  files: filesRouter,
  data: dataRouter,
  offboarding: offboardingRouter,
  restores: restoresRouter,
  analytics: analyticsRouter,
  support: supportRouter,
  reports: reportsRouter,
  // realtime and operations
  events: eventsRouter,
  operations: operationsRouter,
  operatorAnalytics: operatorAnalyticsRouter,
});

export type AppRouter = typeof appRouter;
