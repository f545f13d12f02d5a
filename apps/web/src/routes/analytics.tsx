import { createFileRoute } from '@tanstack/react-router';
import { UsageHistory } from '../features/analytics/usage-history.js';
import { FeatureGate } from '../features/common/feature-gate.js';
import { Page } from '../ui/page.js';

export const Route = createFileRoute('/analytics')({
  component: AnalyticsPage,
});

function AnalyticsPage() {
  return (
    <Page title="Analytics" description="How your organization's usage developed, day by day.">
      <FeatureGate feature="advanced_analytics">
        <UsageHistory />
      </FeatureGate>
    </Page>
  );
}
