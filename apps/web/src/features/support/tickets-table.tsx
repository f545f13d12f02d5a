import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useFormat } from '../../lib/format.js';
import { trpc } from '../../lib/trpc.js';
import { Badge } from '../../ui/badge.js';
import { Card } from '../../ui/card.js';
import { EmptyState } from '../../ui/states.js';
import { DataTable } from '../../ui/table.js';
import { QueryView } from '../common/query-view.js';
import { PRIORITY_TONES } from './labels.js';

/** The caller's tickets (support staff: every ticket of the organization), newest first. */
export function TicketsTable({ staff }: { staff: boolean }) {
  const tickets = useQuery(trpc.support.list.queryOptions({ limit: 50 }));
  const format = useFormat();
  return (
    <Card title={staff ? 'All tickets' : 'Your tickets'} id="tickets">
      <QueryView
        query={tickets}
        loadingLabel="Loading tickets…"
        isEmpty={(rows) => rows.length === 0}
        empty={
          <EmptyState title="No tickets yet">Open one above when something does not work as it should.</EmptyState>
        }
      >
        {(rows) => (
          <DataTable
            caption="Support tickets"
            rowKey={(row) => row.id}
            rows={rows}
            columns={[
              {
                header: 'Subject',
                rowHeader: true,
                cell: (row) => (
                  <Link to="/support/$ticketId" params={{ ticketId: row.id }} className="font-medium">
                    {row.subject}
                  </Link>
                ),
              },
              {
                header: 'Status',
                cell: (row) => (
                  <Badge tone={row.status === 'open' ? 'warning' : 'success'}>
                    {row.status === 'open' ? 'Open' : 'Resolved'}
                  </Badge>
                ),
              },
              { header: 'Priority', cell: (row) => <Badge tone={PRIORITY_TONES[row.priority]}>{row.priority}</Badge> },
              { header: 'Opened', hideOnPhone: true, cell: (row) => format.dateTime(row.createdAt) },
              {
                header: 'Rating',
                hideOnPhone: true,
                cell: (row) => (row.satisfactionRating === null ? '—' : `${row.satisfactionRating} of 5`),
              },
            ]}
          />
        )}
      </QueryView>
    </Card>
  );
}
