import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem } from '../../lib/api-problem.js';
import { useFormat } from '../../lib/format.js';
import { type RouterOutputs, trpc } from '../../lib/trpc.js';
import { Badge } from '../../ui/badge.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { ConfirmDialog } from '../../ui/dialog.js';
import { EmptyState } from '../../ui/states.js';
import { DataTable } from '../../ui/table.js';
import { toast } from '../../ui/toast.js';
import { QueryView } from '../common/query-view.js';

type ApiKey = RouterOutputs['apiKeys']['list'][number];

export function ApiKeysTable() {
  const keys = useQuery(trpc.apiKeys.list.queryOptions());
  const format = useFormat();
  const queryClient = useQueryClient();
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({
      onSuccess: async (key) => {
        toast.success(`Key “${key.name}” revoked`);
        setRevoking(null);
        await queryClient.invalidateQueries(trpc.apiKeys.list.pathFilter());
      },
      onError: (error) => toast.error(apiProblem(error).message),
    }),
  );
  return (
    <Card title="API keys" id="api-keys">
      <QueryView
        query={keys}
        loadingLabel="Loading API keys…"
        isEmpty={(list) => list.length === 0}
        empty={<EmptyState title="No API keys yet">Create one above to call the api from your own systems.</EmptyState>}
      >
        {(list) => (
          <DataTable
            caption="API keys"
            stackOnPhone
            rowKey={(key) => key.id}
            rows={list}
            columns={[
              {
                header: 'Name',
                rowHeader: true,
                cell: (key) => (
                  <span>
                    <span className="font-medium">{key.name}</span>
                    {/* A random token, not a word: it may break anywhere rather than widen the row. */}
                    <span className="block font-mono text-xs break-all text-muted-foreground">{key.prefix}…</span>
                  </span>
                ),
              },
              { header: 'Scopes', hideOnPhone: true, cell: (key) => key.scopes.join(', ') },
              {
                header: 'Last used',
                phoneLabel: true,
                cell: (key) =>
                  key.lastUsedAt
                    ? `${format.dateTime(key.lastUsedAt)}${key.lastUsedIp ? ` from ${key.lastUsedIp}` : ''}`
                    : 'Never',
              },
              {
                header: 'Status',
                cell: (key) =>
                  key.revokedAt ? (
                    <Badge tone="danger">Revoked</Badge>
                  ) : key.expiresAt && new Date(key.expiresAt) < new Date() ? (
                    <Badge tone="warning">Expired</Badge>
                  ) : (
                    <Badge tone="success">Active</Badge>
                  ),
              },
              {
                header: 'Actions',
                cell: (key) =>
                  key.revokedAt ? null : (
                    <Button
                      variant="danger"
                      size="sm"
                      onClick={() => setRevoking(key)}
                      aria-label={`Revoke ${key.name}`}
                    >
                      Revoke
                    </Button>
                  ),
              },
            ]}
          />
        )}
      </QueryView>
      {revoking && (
        <ConfirmDialog
          open
          onOpenChange={(open) => !open && setRevoking(null)}
          title={`Revoke “${revoking.name}”?`}
          description="Its next request is refused. This cannot be undone; create a new key instead."
          confirmLabel="Revoke key"
          destructive
          busy={revoke.isPending}
          onConfirm={() => revoke.mutate({ id: revoking.id })}
        />
      )}
    </Card>
  );
}
