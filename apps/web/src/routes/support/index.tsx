import { createFileRoute } from '@tanstack/react-router';
import { OpenTicket } from '../../features/support/open-ticket.js';
import { TicketsTable } from '../../features/support/tickets-table.js';
import { usePermissions } from '../../lib/permissions.js';
import { Page } from '../../ui/page.js';

export const Route = createFileRoute('/support/')({
  component: SupportPage,
});

function SupportPage() {
  const { can } = usePermissions();
  return (
    <Page title="Support" description="Ask the platform's team for help and follow the answers.">
      <OpenTicket />
      <TicketsTable staff={can('support.manage')} />
    </Page>
  );
}
