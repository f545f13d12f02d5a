import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiProblem } from '../../lib/api-problem.js';
import { useFormat } from '../../lib/format.js';
import { type RouterOutputs, trpc } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { EmptyState } from '../../ui/states.js';
import { DataTable } from '../../ui/table.js';
import { toast } from '../../ui/toast.js';
import { QueryView } from '../common/query-view.js';
import { OPERATOR_REFRESH_MS } from './tenants-table.js';

type Queue = RouterOutputs['operations']['queues']['queues'][number];
const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/** Each queue's job counts, and its recent failures with a way to run one again. */
export function Queues() {
  const queues = useQuery({
    ...trpc.operations.queues.queryOptions({ failures: 20 }),
    refetchInterval: OPERATOR_REFRESH_MS,
  });
  const format = useFormat();
  return (
    <QueryView query={queues} loadingLabel="Loading queues…">
      {(data) => (
        <>
          <Card title="Job counts" id="counts" description="Refreshed every 15 seconds.">
            <DataTable
              caption="Jobs per queue and state"
              rowKey={(queue) => queue.name}
              rows={data.queues}
              columns={[
                { header: 'Queue', rowHeader: true, cell: (queue) => queue.name },
                ...STATES.map((state) => ({
                  header: state[0]?.toUpperCase() + state.slice(1),
                  hideOnPhone: state === 'completed' || state === 'delayed',
                  cell: (queue: Queue) => format.count(queue.counts[state] ?? 0),
                })),
              ]}
            />
          </Card>
          {data.queues.map((queue) => (
            <Failures key={queue.name} queue={queue} />
          ))}
        </>
      )}
    </QueryView>
  );
}

function Failures({ queue }: { queue: Queue }) {
  const format = useFormat();
  const queryClient = useQueryClient();
  const retry = useMutation(
    trpc.operations.retry.mutationOptions({
      onSuccess: async () => {
        toast.success(`Job queued again on ${queue.name}`);
        await queryClient.invalidateQueries(trpc.operations.pathFilter());
      },
      onError: (error) => toast.error(apiProblem(error).message),
    }),
  );
  return (
    <Card title={`Recent failures: ${queue.name}`} id={`failures-${queue.name}`}>
      {queue.recentFailures.length === 0 ? (
        <EmptyState title="No failed jobs">Failed jobs are kept for 7 days.</EmptyState>
      ) : (
        <DataTable
          caption={`Recent failures in ${queue.name}`}
          stackOnPhone
          rowKey={(job) => job.id}
          rows={queue.recentFailures}
          columns={[
            {
              header: 'Job',
              rowHeader: true,
              cell: (job) => (
                <span>
                  <span className="font-medium">{job.name}</span>
                  <span className="block text-xs break-all text-muted-foreground">{job.id}</span>
                </span>
              ),
            },
            { header: 'Reason', className: 'max-sm:basis-full', cell: (job) => job.reason },
            { header: 'Attempts', hideOnPhone: true, cell: (job) => job.attemptsMade },
            {
              header: 'Failed',
              hideOnPhone: true,
              cell: (job) => (job.failedAt ? format.dateTime(job.failedAt) : '—'),
            },
            {
              header: 'Action',
              cell: (job) => (
                <Button
                  size="sm"
                  variant="secondary"
                  disabled={retry.isPending}
                  aria-label={`Retry ${job.name} ${job.id}`}
                  onClick={() => retry.mutate({ queue: queue.name, jobId: job.id })}
                >
                  Retry
                </Button>
              ),
            },
          ]}
        />
      )}
    </Card>
  );
}
