import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem, NO_PROBLEM } from '../../lib/api-problem.js';
import { onSubmit } from '../../lib/forms.js';
import { trpc } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { Field, FormMessage, SelectField } from '../../ui/field.js';
import { toast } from '../../ui/toast.js';
import { ROLE_OPTIONS, type Role } from './roles.js';

export function InviteForm() {
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
        className="grid gap-3 sm:grid-cols-[minmax(0,2fr)_minmax(0,1fr)_auto] sm:items-start"
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
        {/* Lined up with the controls, below their labels, whatever the labels' height. */}
        <div className="sm:pt-6">
          <Button type="submit" disabled={invite.isPending}>
            {invite.isPending ? 'Sending…' : 'Send invitation'}
          </Button>
        </div>
      </form>
    </Card>
  );
}
