import { useQuery } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { AlertsFeed } from '../features/overview/alerts-feed.js';
import { ApiCallsChart } from '../features/overview/api-calls-chart.js';
import { OnboardingChecklist } from '../features/overview/onboarding-checklist.js';
import { TrialBanner } from '../features/overview/trial-banner.js';
import { UsageGauges } from '../features/overview/usage-gauges.js';
import { usePermissions } from '../lib/permissions.js';
import { useSignedInSession } from '../lib/session.js';
import { trpc } from '../lib/trpc.js';
import { preloadBarChart } from '../ui/chart.js';
import { Page } from '../ui/page.js';

export const Route = createFileRoute('/')({
  // The chart library starts loading with the page, not after the data: no skeleton left behind.
  loader: () => {
    void preloadBarChart();
  },
  component: OverviewPage,
});

function OverviewPage() {
  const session = useSignedInSession();
  const tenant = useQuery(trpc.tenants.get.queryOptions());
  const { can } = usePermissions();
  return (
    <Page title="Overview" description={`${session.tenant.name} at a glance, updated live.`}>
      {tenant.data && <TrialBanner tenant={tenant.data} canManageBilling={can('billing.manage')} />}
      <OnboardingChecklist />
      {can('usage.read') && (
        <>
          <UsageGauges />
          <div className="grid gap-4 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
            <ApiCallsChart />
            <AlertsFeed />
          </div>
        </>
      )}
    </Page>
  );
}
