import { useQuery } from '@tanstack/react-query';
import { useFormat } from '../../lib/format.js';
import { trpc } from '../../lib/trpc.js';
import { Badge } from '../../ui/badge.js';
import { Card } from '../../ui/card.js';
import { EmptyState } from '../../ui/states.js';
import { DataTable } from '../../ui/table.js';
import { QueryView } from '../common/query-view.js';
import { tierLabel } from '../common/upgrade-prompt.js';

/** Operators' record of deleted organizations: ids, dates and counts; nothing personal is kept. */
export function DeletedTenants() {
  const format = useFormat();
  const deletions = useQuery(trpc.offboarding.deletions.queryOptions({ limit: 25 }));
  return (
    <Card
      title="Deleted organizations"
      id="deleted-organizations"
      description="What offboarding deleted, and when. Names and contacts are gone with the organization."
    >
      <QueryView
        query={deletions}
        loadingLabel="Loading deletions…"
        isEmpty={(rows) => rows.length === 0}
        empty={<EmptyState title="No organization has been deleted" />}
      >
        {(rows) => (
          <DataTable
            caption="Deleted organizations"
            stackOnPhone
            rows={rows}
            rowKey={(row) => row.tenantId}
            columns={[
              {
                header: 'Organization id',
                rowHeader: true,
                cell: (row) => <span className="font-mono text-xs break-all">{row.tenantId}</span>,
              },
              { header: 'Plan', cell: (row) => tierLabel(row.subscriptionTier), hideOnPhone: true },
              {
                header: 'Deleted',
                phoneLabel: true,
                cell: (row) =>
                  row.completedAt ? format.date(row.completedAt) : <Badge tone="warning">Under way</Badge>,
              },
              {
                header: 'Removed',
                cell: (row) =>
                  `${Object.values(row.rowsDeleted).reduce((sum, n) => sum + n, 0)} rows, ${row.objectsDeleted} files, ${row.redisKeysDeleted} keys`,
                hideOnPhone: true,
              },
              {
                header: 'Asked by',
                cell: (row) => (row.requestedByOperator ? 'an operator' : 'an admin'),
                hideOnPhone: true,
              },
            ]}
          />
        )}
      </QueryView>
    </Card>
  );
}
