import { createFileRoute } from '@tanstack/react-router';
import { AdoptionDashboard, RevenueDashboard } from '../../features/operator/revenue.js';
import { Page } from '../../ui/page.js';

export const Route = createFileRoute('/operator/revenue')({
  component: RevenuePage,
});

function RevenuePage() {
  return (
    <Page title="Revenue and adoption" description="Recurring revenue, churn and feature use across the platform.">
      <RevenueDashboard />
      <AdoptionDashboard />
    </Page>
  );
}
