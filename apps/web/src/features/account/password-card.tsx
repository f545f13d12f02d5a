import { useQueryClient } from '@tanstack/react-query';
import { PASSWORDS_DIFFER } from '../../lib/api-problem.js';
import { onSubmit, useForm } from '../../lib/forms.js';
import { trpc, trpcClient } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { Field, FormMessage } from '../../ui/field.js';
import { toast } from '../../ui/toast.js';

export function PasswordCard() {
  const queryClient = useQueryClient();
  const form = useForm({ currentPassword: '', newPassword: '', confirmation: '' });
  const change = async () => {
    const { currentPassword, newPassword, confirmation } = form.values;
    if (newPassword !== confirmation) {
      form.setProblem(PASSWORDS_DIFFER);
      return;
    }
    const done = await form.submit(null, null, () =>
      trpcClient.auth.changePassword.mutate({ currentPassword, newPassword }),
    );
    if (!done) return;
    form.setValues({ currentPassword: '', newPassword: '', confirmation: '' });
    await queryClient.invalidateQueries(trpc.sessions.pathFilter());
    toast.success('Password changed. Your other sessions were signed out.');
  };
  return (
    <Card
      title="Password"
      id="password"
      description="Changing it signs you out everywhere else, in every organization."
    >
      <form noValidate onSubmit={onSubmit(change)} className="space-y-3">
        <FormMessage message={form.problem.message} />
        <div className="grid gap-3 sm:grid-cols-3">
          <Field
            label="Current password"
            type="password"
            autoComplete="current-password"
            required
            {...form.text('currentPassword')}
          />
          <Field
            label="New password"
            type="password"
            autoComplete="new-password"
            required
            {...form.text('newPassword')}
          />
          <Field
            label="Confirm new password"
            type="password"
            autoComplete="new-password"
            required
            {...form.text('confirmation')}
          />
        </div>
        <Button type="submit" disabled={form.busy}>
          {form.busy ? 'Changing…' : 'Change password'}
        </Button>
      </form>
    </Card>
  );
}
