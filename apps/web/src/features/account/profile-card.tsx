import { useQuery, useQueryClient } from '@tanstack/react-query';
import { onSubmit, useForm } from '../../lib/forms.js';
import { type RouterOutputs, trpc, trpcClient } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { Field, FormMessage } from '../../ui/field.js';
import { toast } from '../../ui/toast.js';
import { QueryView } from '../common/query-view.js';

type Profile = RouterOutputs['auth']['profile'];

export function ProfileCard() {
  const profile = useQuery(trpc.auth.profile.queryOptions());
  return (
    <Card title="Profile" id="profile">
      <QueryView query={profile} loadingLabel="Loading your profile…">
        {(data) => <ProfileForm key={data.id} profile={data} />}
      </QueryView>
    </Card>
  );
}

function ProfileForm({ profile }: { profile: Profile }) {
  const queryClient = useQueryClient();
  const form = useForm({ fullName: profile.fullName });
  const save = async () => {
    const saved = await form.submit(null, null, () =>
      trpcClient.auth.updateProfile.mutate({ fullName: form.values.fullName.trim() }),
    );
    if (!saved) return;
    queryClient.setQueryData(trpc.auth.profile.queryKey(), saved);
    await queryClient.invalidateQueries(trpc.members.pathFilter());
    toast.success('Profile saved');
  };
  return (
    <form noValidate onSubmit={onSubmit(save)} className="space-y-3">
      <FormMessage message={form.problem.message} />
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Full name" autoComplete="name" required {...form.text('fullName')} />
        <Field
          label="Email"
          type="email"
          value={profile.email}
          onValueChange={() => undefined}
          readOnly
          hint="Your sign-in address."
        />
      </div>
      <Button type="submit" disabled={form.busy}>
        {form.busy ? 'Saving…' : 'Save profile'}
      </Button>
    </form>
  );
}
