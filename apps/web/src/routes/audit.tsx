import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { useState } from 'react';
import { AuditFilters, type AuditFilterValues, NO_FILTERS } from '../features/audit/audit-filters.js';
import { QueryView } from '../features/common/query-view.js';
import { startOfDayIn, useFormat } from '../lib/format.js';
import { type RouterInputs, trpc } from '../lib/trpc.js';
import { Card } from '../ui/card.js';
import { Page } from '../ui/page.js';
import { EmptyState } from '../ui/states.js';
import { DataTable, Pager } from '../ui/table.js';

export const Route = createFileRoute('/audit')({
  component: AuditLogPage,
});

const PAGE_SIZE = 25;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Who did what, when and from where; new entries arrive live on the first page. */
function AuditLogPage() {
  const format = useFormat();
  const [filters, setFilters] = useState<AuditFilterValues>(NO_FILTERS);
  // Cursors of the pages before this one; the first page has none.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const timezone = format.region.timezone;
  const input: NonNullable<RouterInputs['audit']['list']> = {
    limit: PAGE_SIZE,
    ...(filters.action && { action: filters.action }),
    ...(filters.actorUserId && { actorUserId: filters.actorUserId }),
    ...(filters.resourceType && { resourceType: filters.resourceType }),
    ...(filters.resourceId.trim() && { resourceId: filters.resourceId.trim() }),
    ...(filters.from && { from: startOfDayIn(timezone, filters.from).toISOString() }),
    ...(filters.to && { to: new Date(startOfDayIn(timezone, filters.to).getTime() + DAY_MS).toISOString() }),
    ...(cursor && { cursor }),
  };
  const entries = useQuery({ ...trpc.audit.list.queryOptions(input), placeholderData: keepPreviousData });
  const locked = entries.isError && entries.error.data?.code === 'FORBIDDEN';

  const changeFilters = (next: AuditFilterValues) => {
    setFilters(next);
    setCursors([]);
  };

  return (
    <Page title="Audit log" description="Every change in your organization: who made it, when, and from where.">
      {!locked && (
        <Card title="Filters" id="audit-filters">
          <AuditFilters value={filters} onChange={changeFilters} />
        </Card>
      )}
      <QueryView
        query={entries}
        loadingLabel="Loading the audit log…"
        isEmpty={(page) => page.items.length === 0 && cursors.length === 0}
        empty={<EmptyState title="No entries match these filters" />}
      >
        {(page) => (
          <Card title="Entries" id="audit-entries">
            {/* Phones get one block per entry: six columns do not fit 390 px. */}
            <ul aria-label="Audit log entries" className="divide-y divide-border sm:hidden">
              {page.items.map((entry) => (
                <li key={entry.id} className="space-y-0.5 py-2 text-sm">
                  <p className="font-mono text-xs font-semibold break-all">{entry.action}</p>
                  <p className="break-all">{entry.actorEmail ?? (entry.actorUserId ? 'Former member' : 'System')}</p>
                  <p className="text-xs text-muted-foreground">
                    {format.dateTime(entry.createdAt)}
                    {entry.ipAddress && ` · ${entry.ipAddress}`}
                  </p>
                  {entry.resourceType && (
                    <p className="text-xs break-all text-muted-foreground">
                      {entry.resourceType} {entry.resourceId}
                    </p>
                  )}
                </li>
              ))}
            </ul>
            <div className="hidden sm:block">
              <DataTable
                caption="Audit log entries"
                rowKey={(entry) => entry.id}
                rows={page.items}
                columns={[
                  {
                    header: 'When',
                    cell: (entry) => <span className="whitespace-nowrap">{format.dateTime(entry.createdAt)}</span>,
                  },
                  {
                    header: 'Action',
                    rowHeader: true,
                    cell: (entry) => <span className="font-mono text-xs">{entry.action}</span>,
                  },
                  {
                    header: 'Actor',
                    cell: (entry) => (
                      <span className="break-all">
                        {entry.actorEmail ?? (entry.actorUserId ? 'Former member' : 'System')}
                      </span>
                    ),
                  },
                  {
                    header: 'Resource',
                    cell: (entry) =>
                      entry.resourceType ? (
                        <span className="text-xs">
                          {entry.resourceType}
                          {entry.resourceId && (
                            <span className="block font-mono break-all text-muted-foreground">{entry.resourceId}</span>
                          )}
                        </span>
                      ) : (
                        '—'
                      ),
                  },
                  { header: 'Address', hideOnPhone: true, cell: (entry) => entry.ipAddress ?? '—' },
                  {
                    header: 'Details',
                    hideOnPhone: true,
                    cell: (entry) =>
                      Object.keys(entry.details).length === 0 ? (
                        '—'
                      ) : (
                        <details>
                          <summary className="cursor-pointer text-xs">Show</summary>
                          <pre className="mt-1 max-w-xs overflow-x-auto rounded bg-muted p-2 text-xs">
                            {JSON.stringify(entry.details, null, 2)}
                          </pre>
                        </details>
                      ),
                  },
                ]}
              />
            </div>
            <Pager
              page={cursors.length + 1}
              hasPrevious={cursors.length > 0}
              hasNext={page.nextCursor !== null}
              onPrevious={() => setCursors((stack) => stack.slice(0, -1))}
              onNext={() => page.nextCursor && setCursors((stack) => [...stack, page.nextCursor as string])}
            />
          </Card>
        )}
      </QueryView>
    </Page>
  );
}
