import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { useState } from 'react';
import { QueryView } from '../features/common/query-view.js';
import { apiProblem, NO_PROBLEM } from '../lib/api-problem.js';
import { useFormat } from '../lib/format.js';
import { onSubmit } from '../lib/forms.js';
import { usePermissions } from '../lib/permissions.js';
import { type RouterInputs, trpc } from '../lib/trpc.js';
import { Badge } from '../ui/badge.js';
import { Button } from '../ui/button.js';
import { Card } from '../ui/card.js';
import { Field, FormMessage, SelectField } from '../ui/field.js';
import { Page } from '../ui/page.js';
import { EmptyState } from '../ui/states.js';
import { DataTable } from '../ui/table.js';
import { toast } from '../ui/toast.js';

export const Route = createFileRoute('/team')({
  component: TeamPage,
});

type Role = NonNullable<RouterInputs['invitations']['create']['role']>;
const ROLE_OPTIONS = [
  { value: 'member', label: 'Member' },
  { value: 'viewer', label: 'Viewer' },
  { value: 'manager', label: 'Manager' },
  { value: 'admin', label: 'Admin' },
];

/** Members and invitations; changes made elsewhere arrive through the live event stream. */
function TeamPage() {
  const { can } = usePermissions();
  const members = useQuery(trpc.members.list.queryOptions({ limit: 100 }));
  const format = useFormat();
  return (
    <Page title="Team" description="Who belongs to your organization, and who is invited.">
      {can('users.invite') && <InviteForm />}
      <Card title="Members" id="members">
        <QueryView
          query={members}
          loadingLabel="Loading members…"
          isEmpty={(data) => data.items.length === 0}
          empty={<EmptyState title="No members yet" />}
        >
          {(data) => (
            <DataTable
              caption="Members"
              rowKey={(member) => member.id}
              rows={data.items}
              columns={[
                {
                  header: 'Name',
                  rowHeader: true,
                  cell: (member) => (
                    <span>
                      <span className="font-medium">{member.fullName}</span>
                      <span className="block text-xs text-muted-foreground">{member.email}</span>
                    </span>
                  ),
                },
                { header: 'Role', cell: (member) => <span className="capitalize">{member.role}</span> },
                {
                  header: 'Status',
                  cell: (member) => (
                    <Badge tone={member.isActive ? 'success' : 'neutral'}>
                      {member.isActive ? 'Active' : 'Deactivated'}
                    </Badge>
                  ),
                },
                { header: 'Joined', hideOnPhone: true, cell: (member) => format.date(member.joinedAt) },
              ]}
            />
          )}
        </QueryView>
      </Card>
      {can('users.invite') && <Invitations />}
    </Page>
  );
}

function InviteForm() {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const invite = useMutation(
    trpc.invitations.create.mutationOptions({
      onSuccess: async (invitation) => {
        toast.success(`Invitation sent to ${invitation.email}`);
        setEmail('');
        await queryClient.invalidateQueries(trpc.invitations.pathFilter());
      },
    }),
  );
  const problem = invite.isError ? apiProblem(invite.error) : NO_PROBLEM;
  return (
    <Card title="Invite someone" id="invite">
      <form
        noValidate
        className="grid gap-3 sm:grid-cols-[minmax(0,2fr)_minmax(0,1fr)_auto] sm:items-end"
        onSubmit={onSubmit(() => invite.mutate({ email: email.trim(), role }))}
      >
        <div className="sm:col-span-3">
          <FormMessage message={problem.message} />
        </div>
        <Field label="Email address" type="email" value={email} onValueChange={setEmail} error={problem.fields.email} />
        <SelectField
          label="Role"
          value={role}
          onValueChange={(value) => setRole(value as Role)}
          options={ROLE_OPTIONS}
          error={problem.fields.role}
        />
        <Button type="submit" disabled={invite.isPending}>
          {invite.isPending ? 'Sending…' : 'Send invitation'}
        </Button>
      </form>
    </Card>
  );
}

function Invitations() {
  const invitations = useQuery(trpc.invitations.list.queryOptions());
  const queryClient = useQueryClient();
  const format = useFormat();
  const revoke = useMutation(
    trpc.invitations.revoke.mutationOptions({
      onSuccess: async (invitation) => {
        toast.success(`Invitation to ${invitation.email} revoked`);
        await queryClient.invalidateQueries(trpc.invitations.pathFilter());
      },
      onError: (error) => toast.error(apiProblem(error).message),
    }),
  );
  return (
    <Card title="Pending invitations" id="invitations">
      <QueryView
        query={invitations}
        loadingLabel="Loading invitations…"
        isEmpty={(data) => data.length === 0}
        empty={<EmptyState title="No open invitations" />}
      >
        {(data) => (
          <DataTable
            caption="Pending invitations"
            rowKey={(invitation) => invitation.id}
            rows={data}
            columns={[
              { header: 'Email', rowHeader: true, cell: (invitation) => invitation.email },
              { header: 'Role', cell: (invitation) => <span className="capitalize">{invitation.role}</span> },
              {
                header: 'Status',
                cell: (invitation) => (
                  <Badge tone={invitation.status === 'expired' ? 'warning' : 'neutral'}>{invitation.status}</Badge>
                ),
              },
              { header: 'Expires', hideOnPhone: true, cell: (invitation) => format.date(invitation.expiresAt) },
              {
                header: 'Actions',
                cell: (invitation) => (
                  <Button
                    variant="danger"
                    size="sm"
                    aria-label={`Revoke invitation to ${invitation.email}`}
                    disabled={revoke.isPending}
                    onClick={() => revoke.mutate({ invitationId: invitation.id })}
                  >
                    Revoke
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
