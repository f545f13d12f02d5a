import { useQuery } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { QueryView } from '../../features/common/query-view.js';
import { TicketThread } from '../../features/support/ticket-thread.js';
import { trpc } from '../../lib/trpc.js';
import { Page } from '../../ui/page.js';

export const Route = createFileRoute('/support/$ticketId')({
  component: TicketPage,
});

function TicketPage() {
  const { ticketId } = Route.useParams();
  const ticket = useQuery(trpc.support.get.queryOptions({ ticketId }));
  return (
    <Page
      title={ticket.data?.subject ?? 'Ticket'}
      description={
        <Link to="/support" className="text-sm">
          All tickets
        </Link>
      }
    >
      <QueryView query={ticket} loadingLabel="Loading the ticket…" errorTitle="Could not load this ticket">
        {(data) => <TicketThread ticket={data} />}
      </QueryView>
    </Page>
  );
}
