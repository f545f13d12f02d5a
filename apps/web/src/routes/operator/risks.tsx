import { createFileRoute } from '@tanstack/react-router';
import { ApiPerformanceTable } from '../../features/operator/api-performance.js';
import { BillingAnomalies, ChurnRisk, SecuritySignals } from '../../features/operator/risks.js';
import { Page } from '../../ui/page.js';

export const Route = createFileRoute('/operator/risks')({
  component: RisksPage,
});

function RisksPage() {
  return (
    <Page
      title="Risks and signals"
      description="Tenants likely to churn, billing that looks wrong, sign-ins that look odd, slow or failing APIs."
    >
      <ChurnRisk />
      <BillingAnomalies />
      <SecuritySignals />
      <ApiPerformanceTable />
    </Page>
  );
}
