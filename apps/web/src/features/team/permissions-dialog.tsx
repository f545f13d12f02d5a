import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem, NO_PROBLEM } from '../../lib/api-problem.js';
import { type RouterOutputs, trpc, trpcClient } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Dialog } from '../../ui/dialog.js';
import { FormMessage } from '../../ui/field.js';
import { Loading } from '../../ui/states.js';
import { toast } from '../../ui/toast.js';

export type Member = RouterOutputs['members']['list']['items'][number];
type Permission = RouterOutputs['system']['roles']['permissions'][number];
type Override = 'role' | 'grant' | 'deny';

/**
 * One member's grants and denials on top of their role: each permission shows what the role
 * gives, the override, and the result (a denial wins).
 */
export function PermissionsDialog({ member, onClose }: { member: Member; onClose: () => void }) {
  const roles = useQuery(trpc.system.roles.queryOptions());
  const queryClient = useQueryClient();
  const [overrides, setOverrides] = useState<Record<string, Override>>(() => {
    const initial: Record<string, Override> = {};
    for (const permission of member.permissionOverrides.grant) initial[permission] = 'grant';
    for (const permission of member.permissionOverrides.deny) initial[permission] = 'deny';
    return initial;
  });
  const save = useMutation({
    mutationFn: () => {
      const pick = (kind: Override) =>
        Object.entries(overrides)
          .filter(([, value]) => value === kind)
          .map(([permission]) => permission as Permission);
      return trpcClient.members.setPermissions.mutate({
        memberId: member.id,
        grant: pick('grant'),
        deny: pick('deny'),
      });
    },
    onSuccess: async () => {
      toast.success(`Permissions of ${member.fullName} saved`);
      await queryClient.invalidateQueries(trpc.members.pathFilter());
      onClose();
    },
  });
  const problem = save.isError ? apiProblem(save.error) : NO_PROBLEM;
  const fromRole = new Set(roles.data?.roles.find((role) => role.name === member.role)?.permissions ?? []);

  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title={`Permissions of ${member.fullName}`}
      description={`What the ${member.role} role gives, and what is granted or denied on top of it. A denial wins.`}
    >
      {roles.isPending ? (
        <Loading label="Loading the role table…" />
      ) : (
        <div className="space-y-3">
          <FormMessage message={problem.message} />
          <div className="max-h-[55vh] overflow-y-auto">
            <table className="w-full text-sm">
              <caption className="sr-only">Permissions of {member.fullName}</caption>
              <thead>
                <tr className="border-b border-border text-left text-muted-foreground">
                  <th scope="col" className="py-2 pr-2 font-medium">
                    Permission
                  </th>
                  <th scope="col" className="py-2 pr-2 font-medium">
                    Role gives
                  </th>
                  <th scope="col" className="py-2 pr-2 font-medium">
                    Override
                  </th>
                  <th scope="col" className="hidden py-2 font-medium sm:table-cell">
                    Result
                  </th>
                </tr>
              </thead>
              <tbody>
                {(roles.data?.permissions ?? []).map((permission) => {
                  const override = overrides[permission] ?? 'role';
                  const allowed = override === 'deny' ? false : override === 'grant' || fromRole.has(permission);
                  return (
                    <tr key={permission} className="border-b border-border last:border-0">
                      <th scope="row" className="py-1.5 pr-2 text-left font-mono text-xs font-normal whitespace-nowrap">
                        {permission}
                      </th>
                      <td className="py-1.5 pr-2">{fromRole.has(permission) ? 'Yes' : 'No'}</td>
                      <td className="py-1.5 pr-2">
                        <select
                          aria-label={`Override for ${permission}`}
                          className="rounded-md border border-input bg-card px-2 py-1 text-sm"
                          value={override}
                          onChange={(event) =>
                            setOverrides((current) => ({ ...current, [permission]: event.target.value as Override }))
                          }
                        >
                          <option value="role">As the role</option>
                          <option value="grant">Grant</option>
                          <option value="deny">Deny</option>
                        </select>
                      </td>
                      <td
                        className={`hidden py-1.5 sm:table-cell ${allowed ? 'text-success' : 'text-muted-foreground'}`}
                      >
                        {allowed ? 'Allowed' : 'Not allowed'}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <div className="flex flex-wrap justify-end gap-2">
            <Button variant="secondary" onClick={onClose}>
              Cancel
            </Button>
            <Button onClick={() => save.mutate()} disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save permissions'}
            </Button>
          </div>
        </div>
      )}
    </Dialog>
  );
}
