import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { MoreHorizontal } from 'lucide-react';
import { useEffect, useState } from 'react';
import { apiProblem } from '../../lib/api-problem.js';
import { useFormat } from '../../lib/format.js';
import { usePermissions } from '../../lib/permissions.js';
import { useSignedInSession } from '../../lib/session.js';
import { type RouterInputs, trpc, trpcClient } from '../../lib/trpc.js';
import { Badge } from '../../ui/badge.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { ConfirmDialog } from '../../ui/dialog.js';
import { Field, SelectField } from '../../ui/field.js';
import { Menu, MenuItem } from '../../ui/menu.js';
import { EmptyState } from '../../ui/states.js';
import { DataTable, Pager } from '../../ui/table.js';
import { toast } from '../../ui/toast.js';
import { QueryView } from '../common/query-view.js';
import { EraseDialog } from '../data-rights/erase-dialog.js';
import { type Member, PermissionsDialog } from './permissions-dialog.js';
import { ROLE_OPTIONS, type Role } from './roles.js';
import { SeatUsage } from './seat-usage.js';

const PAGE_SIZE = 10;

/** Typing settles for a moment before the search goes out: one request per pause, not per key. */
function useSettled(value: string, ms = 300): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Members with filters, search and pages; role changes, permissions, deactivation and removal. */
export function MembersCard() {
  const { can } = usePermissions();
  const session = useSignedInSession();
  const format = useFormat();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState('');
  const [role, setRole] = useState<'' | Role>('');
  const [status, setStatus] = useState<'' | 'active' | 'inactive'>('');
  // Cursors of the pages before this one, for the filters they were made with: new filters, page 1.
  const [paging, setPaging] = useState<{ filters: string; cursors: string[] }>({ filters: '', cursors: [] });
  const [editing, setEditing] = useState<Member | null>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [erasing, setErasing] = useState<Member | null>(null);
  const settledSearch = useSettled(search.trim());
  const filterKey = JSON.stringify([role, status, settledSearch]);
  const cursors = paging.filters === filterKey ? paging.cursors : [];
  const setCursors = (next: (stack: string[]) => string[]) => setPaging({ filters: filterKey, cursors: next(cursors) });
  const cursor = cursors.at(-1);
  const input: RouterInputs['members']['list'] = {
    limit: PAGE_SIZE,
    ...(role && { role }),
    ...(status && { active: status === 'active' }),
    ...(settledSearch && { search: settledSearch }),
    ...(cursor && { cursor }),
  };
  const members = useQuery({ ...trpc.members.list.queryOptions(input), placeholderData: keepPreviousData });
  const manage = can('users.manage');

  const act = useMutation({
    mutationFn: async (
      action:
        | { kind: 'role'; member: Member; role: Role }
        | { kind: 'deactivate' | 'reactivate' | 'remove'; member: Member },
    ) => {
      const memberId = action.member.id;
      if (action.kind === 'role') await trpcClient.members.changeRole.mutate({ memberId, role: action.role });
      else if (action.kind === 'deactivate') await trpcClient.members.deactivate.mutate({ memberId });
      else if (action.kind === 'reactivate') await trpcClient.members.reactivate.mutate({ memberId });
      else await trpcClient.members.remove.mutate({ memberId });
      return action;
    },
    onSuccess: async (action) => {
      const name = action.member.fullName;
      toast.success(
        action.kind === 'role'
          ? `${name} is now ${action.role}`
          : action.kind === 'remove'
            ? `${name} was removed`
            : `${name} was ${action.kind}d`,
      );
      setRemoving(null);
      await queryClient.invalidateQueries(trpc.members.pathFilter());
      await queryClient.invalidateQueries(trpc.usage.pathFilter());
    },
    onError: (error) => toast.error(apiProblem(error).message),
  });
  const erase = useMutation({
    mutationFn: (input: { member: Member; confirmEmail: string }) =>
      trpcClient.data.eraseMember.mutate({ memberId: input.member.id, confirmEmail: input.confirmEmail }),
    onSuccess: async (_result, input) => {
      toast.success(`${input.member.fullName}'s personal data was erased`);
      setErasing(null);
      await queryClient.invalidateQueries(trpc.members.pathFilter());
      await queryClient.invalidateQueries(trpc.usage.pathFilter());
    },
  });
  const filtered = role !== '' || status !== '' || settledSearch !== '';

  return (
    <Card title="Members" id="members">
      {can('usage.read') && <SeatUsage />}
      <div className="my-3 grid gap-3 sm:grid-cols-[minmax(0,2fr)_minmax(0,1fr)_minmax(0,1fr)]">
        <Field
          label="Search members"
          type="search"
          placeholder="Name or email"
          value={search}
          onValueChange={setSearch}
        />
        <SelectField
          label="Role filter"
          value={role}
          onValueChange={(value) => setRole(value as '' | Role)}
          options={[{ value: '', label: 'All roles' }, ...ROLE_OPTIONS]}
        />
        <SelectField
          label="Status filter"
          value={status}
          onValueChange={(value) => setStatus(value as '' | 'active' | 'inactive')}
          options={[
            { value: '', label: 'Active and deactivated' },
            { value: 'active', label: 'Active' },
            { value: 'inactive', label: 'Deactivated' },
          ]}
        />
      </div>
      <QueryView
        query={members}
        loadingLabel="Loading members…"
        isEmpty={(data) => data.items.length === 0 && cursors.length === 0}
        empty={<EmptyState title={filtered ? 'No members match these filters' : 'No members yet'} />}
      >
        {(data) => (
          <>
            <DataTable
              caption="Members"
              stackOnPhone
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
                {
                  header: 'Role',
                  cell: (member) =>
                    manage && member.userId !== session.userId ? (
                      <select
                        aria-label={`Role of ${member.fullName}`}
                        className="rounded-md border border-input bg-card px-2 py-1 text-sm"
                        value={member.role}
                        disabled={act.isPending}
                        onChange={(event) => act.mutate({ kind: 'role', member, role: event.target.value as Role })}
                      >
                        {ROLE_OPTIONS.map((option) => (
                          <option key={option.value} value={option.value}>
                            {option.label}
                          </option>
                        ))}
                      </select>
                    ) : (
                      <span className="capitalize">{member.role}</span>
                    ),
                },
                {
                  header: 'Status',
                  cell: (member) => (
                    <Badge tone={member.isActive ? 'success' : 'neutral'}>
                      {member.isActive ? 'Active' : 'Deactivated'}
                    </Badge>
                  ),
                },
                { header: 'Joined', hideOnPhone: true, cell: (member) => format.date(member.joinedAt) },
                {
                  header: 'Actions',
                  cell: (member) =>
                    manage && member.userId !== session.userId ? (
                      <Menu
                        label={`Actions for ${member.fullName}`}
                        trigger={
                          <Button variant="ghost" size="sm" aria-label={`Actions for ${member.fullName}`}>
                            <MoreHorizontal aria-hidden="true" className="h-4 w-4" />
                          </Button>
                        }
                      >
                        <MenuItem onSelect={() => setEditing(member)}>Permissions…</MenuItem>
                        {member.isActive ? (
                          <MenuItem onSelect={() => act.mutate({ kind: 'deactivate', member })}>Deactivate</MenuItem>
                        ) : (
                          <MenuItem onSelect={() => act.mutate({ kind: 'reactivate', member })}>Reactivate</MenuItem>
                        )}
                        <MenuItem onSelect={() => setRemoving(member)}>Remove…</MenuItem>
                        <MenuItem onSelect={() => setErasing(member)}>Erase personal data…</MenuItem>
                      </Menu>
                    ) : member.userId === session.userId ? (
                      <span className="text-xs text-muted-foreground">You</span>
                    ) : null,
                },
              ]}
            />
            <Pager
              page={cursors.length + 1}
              hasPrevious={cursors.length > 0}
              hasNext={data.nextCursor !== null}
              onPrevious={() => setCursors((stack) => stack.slice(0, -1))}
              onNext={() => data.nextCursor && setCursors((stack) => [...stack, data.nextCursor as string])}
            />
          </>
        )}
      </QueryView>
      {editing && <PermissionsDialog member={editing} onClose={() => setEditing(null)} />}
      {removing && (
        <ConfirmDialog
          open
          onOpenChange={(open) => !open && setRemoving(null)}
          title={`Remove ${removing.fullName}?`}
          description={`${removing.email} loses access to this organization at once and frees a seat. Their account and other organizations stay.`}
          confirmLabel="Remove member"
          destructive
          busy={act.isPending}
          onConfirm={() => act.mutate({ kind: 'remove', member: removing })}
        />
      )}
      {erasing && (
        <EraseDialog
          self={false}
          person={erasing}
          busy={erase.isPending}
          problem={erase.isError ? apiProblem(erase.error) : null}
          onConfirm={(confirmEmail) => erase.mutate({ member: erasing, confirmEmail })}
          onClose={() => {
            setErasing(null);
            erase.reset();
          }}
        />
      )}
    </Card>
  );
}
