import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem } from '../../lib/api-problem.js';
import { useFormat } from '../../lib/format.js';
import { trpc, trpcClient } from '../../lib/trpc.js';
import { Badge, type BadgeTone } from '../../ui/badge.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { CheckboxField } from '../../ui/field.js';
import { EmptyState } from '../../ui/states.js';
import { DataTable } from '../../ui/table.js';
import { toast } from '../../ui/toast.js';
import { QueryView } from '../common/query-view.js';

const STATUS_TONES: Record<string, BadgeTone> = {
  pending: 'neutral',
  expired: 'warning',
  accepted: 'success',
  revoked: 'danger',
};

/** Invitations with their status and expiry; open ones can be resent (a fresh link) or revoked. */
export function InvitationsCard() {
  const [includeClosed, setIncludeClosed] = useState(false);
  const invitations = useQuery(trpc.invitations.list.queryOptions(includeClosed ? { includeClosed } : undefined));
  const queryClient = useQueryClient();
  const format = useFormat();
  const act = useMutation({
    mutationFn: async ({ kind, invitationId }: { kind: 'resend' | 'revoke'; invitationId: string }) =>
      kind === 'resend'
        ? { kind, invitation: await trpcClient.invitations.resend.mutate({ invitationId }) }
        : { kind, invitation: await trpcClient.invitations.revoke.mutate({ invitationId }) },
    onSuccess: async ({ kind, invitation }) => {
      toast.success(
        kind === 'resend'
          ? `New invitation sent to ${invitation.email}, valid until ${format.date(invitation.expiresAt)}`
          : `Invitation to ${invitation.email} revoked`,
      );
      await queryClient.invalidateQueries(trpc.invitations.pathFilter());
    },
    onError: (error) => toast.error(apiProblem(error).message),
  });
  return (
    <Card
      title={includeClosed ? 'Invitations' : 'Pending invitations'}
      id="invitations"
      actions={
        <CheckboxField label="Show accepted and revoked" checked={includeClosed} onCheckedChange={setIncludeClosed} />
      }
    >
      <QueryView
        query={invitations}
        loadingLabel="Loading invitations…"
        isEmpty={(data) => data.length === 0}
        empty={<EmptyState title="No open invitations" />}
      >
        {(data) => (
          <DataTable
            caption={includeClosed ? 'Invitations' : 'Pending invitations'}
            stackOnPhone
            rowKey={(invitation) => invitation.id}
            rows={data}
            columns={[
              {
                header: 'Email',
                rowHeader: true,
                cell: (invitation) => invitation.email,
              },
              { header: 'Role', cell: (invitation) => <span className="capitalize">{invitation.role}</span> },
              {
                header: 'Status',
                cell: (invitation) => (
                  <Badge tone={STATUS_TONES[invitation.status] ?? 'neutral'}>{invitation.status}</Badge>
                ),
              },
              { header: 'Expires', hideOnPhone: true, cell: (invitation) => format.date(invitation.expiresAt) },
              {
                header: 'Actions',
                cell: (invitation) =>
                  invitation.status === 'pending' || invitation.status === 'expired' ? (
                    <div className="flex flex-wrap gap-1">
                      <Button
                        variant="secondary"
                        size="sm"
                        aria-label={`Resend invitation to ${invitation.email}`}
                        disabled={act.isPending}
                        onClick={() => act.mutate({ kind: 'resend', invitationId: invitation.id })}
                      >
                        Resend
                      </Button>
                      <Button
                        variant="danger"
                        size="sm"
                        aria-label={`Revoke invitation to ${invitation.email}`}
                        disabled={act.isPending}
                        onClick={() => act.mutate({ kind: 'revoke', invitationId: invitation.id })}
                      >
                        Revoke
                      </Button>
                    </div>
                  ) : null,
              },
            ]}
          />
        )}
      </QueryView>
    </Card>
  );
}
