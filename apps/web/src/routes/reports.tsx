import { createFileRoute } from '@tanstack/react-router';
import { FeatureGate } from '../features/common/feature-gate.js';
import { EmailSchedule } from '../features/reports/email-schedule.js';
import { GenerateReport, ReportsList } from '../features/reports/reports-list.js';
import { usePermissions } from '../lib/permissions.js';
import { Page } from '../ui/page.js';

export const Route = createFileRoute('/reports')({
  component: ReportsPage,
});

function ReportsPage() {
  const { can } = usePermissions();
  return (
    <Page title="Reports" description="Monthly PDF reports of your organization, on request or by email.">
      <FeatureGate feature="advanced_reporting">
        <GenerateReport />
        <ReportsList />
        <EmailSchedule canManage={can('settings.manage')} />
      </FeatureGate>
    </Page>
  );
}
