import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiProblem } from '../../lib/api-problem.js';
import { useFormat } from '../../lib/format.js';
import { trpc, trpcClient } from '../../lib/trpc.js';
import { Badge } from '../../ui/badge.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { EmptyState } from '../../ui/states.js';
import { DataTable } from '../../ui/table.js';
import { toast } from '../../ui/toast.js';
import { QueryView } from '../common/query-view.js';

/** A short name for a browser from its user agent ("Chrome on Linux"), enough to tell sessions apart. */
export function deviceName(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : null;
  const system = /Windows/.test(userAgent)
    ? 'Windows'
    : /Android/.test(userAgent)
      ? 'Android'
      : /iPhone|iPad/.test(userAgent)
        ? 'iOS'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : null;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent.slice(0, 40);
}

/** Where the account is signed in to this organization; any other session can be ended here. */
export function SessionsCard() {
  const sessions = useQuery(trpc.sessions.list.queryOptions());
  const queryClient = useQueryClient();
  const format = useFormat();
  const refresh = () => queryClient.invalidateQueries(trpc.sessions.pathFilter());
  const revoke = useMutation({
    mutationFn: (sessionId: string) => trpcClient.sessions.revoke.mutate({ sessionId }),
    onSuccess: async () => {
      toast.success('Session signed out');
      await refresh();
    },
    onError: (error) => toast.error(apiProblem(error).message),
  });
  const revokeOthers = useMutation({
    mutationFn: () => trpcClient.sessions.revokeAll.mutate(),
    onSuccess: async (result) => {
      toast.success(`${result.revoked} other ${result.revoked === 1 ? 'session' : 'sessions'} signed out`);
      await refresh();
    },
    onError: (error) => toast.error(apiProblem(error).message),
  });
  const others = (sessions.data ?? []).filter((session) => !session.current).length;
  return (
    <Card
      title="Active sessions"
      id="sessions"
      description="Browsers and devices signed in to this organization."
      actions={
        others > 0 && (
          <Button variant="secondary" size="sm" disabled={revokeOthers.isPending} onClick={() => revokeOthers.mutate()}>
            Sign out all other sessions
          </Button>
        )
      }
    >
      <QueryView
        query={sessions}
        loadingLabel="Loading sessions…"
        isEmpty={(list) => list.length === 0}
        empty={<EmptyState title="No active sessions" />}
      >
        {(list) => (
          <DataTable
            caption="Active sessions"
            rowKey={(session) => session.id}
            rows={list}
            columns={[
              {
                header: 'Device',
                rowHeader: true,
                cell: (session) => (
                  <span>
                    {deviceName(session.userAgent)} {session.current && <Badge tone="success">This browser</Badge>}
                    <span className="block text-xs text-muted-foreground">
                      {session.ipAddress ?? 'address unknown'}
                    </span>
                  </span>
                ),
              },
              { header: 'Signed in', hideOnPhone: true, cell: (session) => format.dateTime(session.createdAt) },
              { header: 'Last active', cell: (session) => format.dateTime(session.lastUsedAt) },
              {
                header: 'Actions',
                cell: (session) =>
                  session.current ? (
                    <span className="text-xs text-muted-foreground">Current</span>
                  ) : (
                    <Button
                      variant="danger"
                      size="sm"
                      aria-label={`Sign out ${deviceName(session.userAgent)} last active ${format.dateTime(session.lastUsedAt)}`}
                      disabled={revoke.isPending}
                      onClick={() => revoke.mutate(session.id)}
                    >
                      Sign out
                    </Button>
                  ),
              },
            ]}
          />
        )}
      </QueryView>
    </Card>
  );
}
