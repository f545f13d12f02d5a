import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem, NO_PROBLEM } from '../../lib/api-problem.js';
import { useFormat } from '../../lib/format.js';
import { onSubmit } from '../../lib/forms.js';
import { useSignedInSession } from '../../lib/session.js';
import { trpc } from '../../lib/trpc.js';
import { Badge, type BadgeTone } from '../../ui/badge.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { FormMessage, SelectField, TextAreaField } from '../../ui/field.js';
import { EmptyState } from '../../ui/states.js';
import { DataTable } from '../../ui/table.js';
import { toast } from '../../ui/toast.js';
import { QueryView } from '../common/query-view.js';
import { OPERATOR_REFRESH_MS } from './tenants-table.js';

type Status = 'open' | 'resolved';
const PRIORITY_TONES: Record<string, BadgeTone> = {
  urgent: 'danger',
  high: 'warning',
  normal: 'neutral',
  low: 'neutral',
};

interface Selected {
  tenantId: string;
  ticketId: string;
}

/** Every tenant's tickets, most urgent and oldest first; opening one shows its thread to answer. */
export function SupportInbox() {
  const [status, setStatus] = useState<Status>('open');
  const [selected, setSelected] = useState<Selected | null>(null);
  const inbox = useQuery({
    ...trpc.operatorAnalytics.supportInbox.queryOptions({ status, limit: 100 }),
    refetchInterval: OPERATOR_REFRESH_MS,
  });
  const format = useFormat();
  return (
    <div className="grid gap-4 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
      <Card title="Inbox" id="inbox">
        <SelectField
          label="Status"
          className="mb-3 max-w-xs"
          value={status}
          onValueChange={(value) => setStatus(value as Status)}
          options={[
            { value: 'open', label: 'Open' },
            { value: 'resolved', label: 'Resolved' },
          ]}
        />
        <QueryView
          query={inbox}
          loadingLabel="Loading tickets…"
          isEmpty={(rows) => rows.length === 0}
          empty={<EmptyState title="No tickets with this status" />}
        >
          {(rows) => (
            <DataTable
              caption="Support tickets across tenants"
              stackOnPhone
              rowKey={(row) => row.id}
              rows={rows}
              columns={[
                {
                  header: 'Ticket',
                  rowHeader: true,
                  cell: (row) => (
                    <Button
                      variant="link"
                      className="text-left whitespace-normal"
                      aria-current={selected?.ticketId === row.id ? 'true' : undefined}
                      onClick={() => setSelected({ tenantId: row.tenantUuid, ticketId: row.id })}
                    >
                      {row.subject}
                    </Button>
                  ),
                },
                { header: 'Tenant', cell: (row) => row.tenantName },
                {
                  header: 'Priority',
                  cell: (row) => <Badge tone={PRIORITY_TONES[row.priority] ?? 'neutral'}>{row.priority}</Badge>,
                },
                { header: 'Opened', hideOnPhone: true, cell: (row) => format.dateTime(row.createdAt) },
                {
                  header: 'Answered',
                  hideOnPhone: true,
                  cell: (row) => (row.firstResponseAt ? format.dateTime(row.firstResponseAt) : 'Not yet'),
                },
              ]}
            />
          )}
        </QueryView>
      </Card>
      {selected ? (
        <TicketThread key={selected.ticketId} selected={selected} />
      ) : (
        <Card title="Ticket" id="ticket">
          <EmptyState title="Choose a ticket">Its conversation shows here, with a reply box.</EmptyState>
        </Card>
      )}
    </div>
  );
}

function TicketThread({ selected }: { selected: Selected }) {
  const session = useSignedInSession();
  const format = useFormat();
  const queryClient = useQueryClient();
  const ticket = useQuery(trpc.support.operator.get.queryOptions(selected));
  const [body, setBody] = useState('');
  const refresh = async () => {
    await queryClient.invalidateQueries(trpc.support.operator.pathFilter());
    await queryClient.invalidateQueries(trpc.operatorAnalytics.supportInbox.pathFilter());
  };
  const reply = useMutation(
    trpc.support.operator.reply.mutationOptions({
      onSuccess: async () => {
        setBody('');
        toast.success('Reply sent');
        await refresh();
      },
    }),
  );
  const assign = useMutation(
    trpc.support.operator.assign.mutationOptions({
      onSuccess: refresh,
      onError: (e) => toast.error(apiProblem(e).message),
    }),
  );
  const resolve = useMutation(
    trpc.support.operator.resolve.mutationOptions({
      onSuccess: async () => {
        toast.success('Ticket resolved');
        await refresh();
      },
      onError: (e) => toast.error(apiProblem(e).message),
    }),
  );
  const problem = reply.isError ? apiProblem(reply.error) : NO_PROBLEM;
  return (
    <Card title={ticket.data?.subject ?? 'Ticket'} id="ticket">
      <QueryView query={ticket} loadingLabel="Loading the conversation…">
        {(data) => (
          <div className="space-y-4">
            <p className="text-sm text-muted-foreground">
              {data.status} · {data.priority} priority · assigned to {data.assignedTo?.fullName ?? 'nobody'}
            </p>
            <ol className="space-y-3" aria-label="Conversation">
              <li className="rounded-md bg-muted p-3 text-sm">
                <p className="text-xs text-muted-foreground">
                  {data.openedBy?.fullName ?? 'A former member'} · {format.dateTime(data.createdAt)}
                </p>
                <p className="mt-1 whitespace-pre-wrap">{data.body}</p>
              </li>
              {data.messages.map((message) => (
                <li
                  key={message.id}
                  className={
                    message.fromSupport
                      ? 'rounded-md border border-border p-3 text-sm'
                      : 'rounded-md bg-muted p-3 text-sm'
                  }
                >
                  <p className="text-xs text-muted-foreground">
                    {message.author?.fullName ?? 'A former member'}
                    {message.fromSupport ? ' (support)' : ''} · {format.dateTime(message.createdAt)}
                  </p>
                  <p className="mt-1 whitespace-pre-wrap">{message.body}</p>
                </li>
              ))}
            </ol>
            {data.status !== 'resolved' && (
              <form
                noValidate
                className="space-y-2"
                onSubmit={onSubmit(() => reply.mutate({ ...selected, body: body.trim() }))}
              >
                <FormMessage message={problem.message} />
                <TextAreaField
                  label="Reply"
                  rows={4}
                  value={body}
                  onValueChange={setBody}
                  error={problem.fields.body}
                />
                <div className="flex flex-wrap gap-2">
                  <Button type="submit" disabled={reply.isPending}>
                    Send reply
                  </Button>
                  {data.assignedTo?.userId !== session.userId && (
                    <Button
                      variant="secondary"
                      disabled={assign.isPending}
                      onClick={() => assign.mutate({ ...selected, assigneeUserId: session.userId })}
                    >
                      Assign to me
                    </Button>
                  )}
                  <Button variant="secondary" disabled={resolve.isPending} onClick={() => resolve.mutate(selected)}>
                    Resolve
                  </Button>
                </div>
              </form>
            )}
          </div>
        )}
      </QueryView>
    </Card>
  );
}
