import { createFileRoute } from '@tanstack/react-router';
import { FeatureGate } from '../features/common/feature-gate.js';
import { Recommendations, UsageTrend } from '../features/insights/recommendations.js';
import { Page } from '../ui/page.js';

export const Route = createFileRoute('/insights')({
  component: InsightsPage,
});

function InsightsPage() {
  return (
    <Page
      title="Insights"
      description="What your own usage says: limits ahead, unusual days, idle seats, unused features."
    >
      <FeatureGate feature="ai_insights">
        <Recommendations />
        <UsageTrend />
      </FeatureGate>
    </Page>
  );
}
