import { useQuery } from '@tanstack/react-query';
import { createFileRoute, Link, useLocation, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { apiProblem, PASSWORDS_DIFFER } from '../../lib/api-problem.js';
import { DEFAULT_REGION, formatterFor } from '../../lib/format.js';
import { onSubmit, useForm } from '../../lib/forms.js';
import { optionalString } from '../../lib/search.js';
import { adoptSession, signOut, useSession } from '../../lib/session.js';
import { type RouterOutputs, trpc, trpcClient } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Field, FormMessage } from '../../ui/field.js';
import { Page } from '../../ui/page.js';
import { ErrorState, Loading } from '../../ui/states.js';

export const Route = createFileRoute('/invitations/accept')({
  staticData: { public: true },
  validateSearch: (search: Record<string, unknown>): { token?: string } => ({ token: optionalString(search, 'token') }),
  component: AcceptInvitationPage,
});

type Accepted = RouterOutputs['invitations']['accept'];
type Preview = RouterOutputs['invitations']['preview'];
const local = formatterFor(DEFAULT_REGION);

/** Where invitation emails lead: what the invitation offers, then joining as yourself or as a new account. */
function AcceptInvitationPage() {
  const token = Route.useSearch().token ?? '';
  const preview = useQuery({ ...trpc.invitations.preview.queryOptions({ token }), retry: false });
  const [accepted, setAccepted] = useState<Accepted | null>(null);

  if (accepted) {
    return (
      <Page title={`Welcome to ${accepted.tenant.name}`}>
        <Joined accepted={accepted} />
      </Page>
    );
  }
  if (preview.isPending) return <Loading label="Loading the invitation…" />;
  if (preview.isError) {
    const problem = apiProblem(preview.error);
    // Expired, revoked, used or unknown: the api's message says which, and what to do.
    return (
      <Page title="Invitation">
        {problem.code === null ? (
          <ErrorState message={problem.message} onRetry={() => void preview.refetch()} />
        ) : (
          <div role="alert" className="space-y-2 text-sm">
            <p>{problem.message}</p>
            <p>Ask whoever invited you for a new invitation.</p>
          </div>
        )}
      </Page>
    );
  }
  return (
    <Page title={`Join ${preview.data.tenantName}`}>
      <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1 text-sm" aria-label="Invitation">
        <dt className="text-muted-foreground">Organization</dt>
        <dd>{preview.data.tenantName}</dd>
        <dt className="text-muted-foreground">Invited address</dt>
        <dd>{preview.data.email}</dd>
        <dt className="text-muted-foreground">Role</dt>
        <dd className="capitalize">{preview.data.role}</dd>
        <dt className="text-muted-foreground">Expires</dt>
        <dd>{local.dateTime(preview.data.expiresAt)}</dd>
      </dl>
      <AcceptChoices token={token} preview={preview.data} onAccepted={setAccepted} />
    </Page>
  );
}

function AcceptChoices(props: { token: string; preview: Preview; onAccepted: (accepted: Accepted) => void }) {
  const session = useSession();
  const location = useLocation();
  const signInFirst = { to: '/sign-in' as const, search: { next: location.href } };

  if (session.kind === 'restoring') return <Loading label="Checking whether you are signed in…" />;
  if (session.kind === 'signed_in') return <JoinAsYourself {...props} />;
  if (props.preview.accountExists) {
    return (
      <p className="text-sm">
        An account exists for {props.preview.email}. <Link {...signInFirst}>Sign in first</Link>, then accept.
      </p>
    );
  }
  return (
    <>
      <CreateAccountForm token={props.token} onAccepted={props.onAccepted} />
      <p className="text-sm">
        Already have an account for {props.preview.email}? <Link {...signInFirst}>Sign in first</Link>
      </p>
    </>
  );
}

/** Signed in: join with one click, unless signed in as someone other than the invited address. */
function JoinAsYourself(props: { token: string; preview: Preview; onAccepted: (accepted: Accepted) => void }) {
  const profile = useQuery(trpc.auth.profile.queryOptions());
  const form = useForm({});
  const location = useLocation();
  const navigate = useNavigate();
  if (profile.isPending) return <Loading />;
  const email = profile.data?.email ?? '';
  if (email.toLowerCase() !== props.preview.email.toLowerCase()) {
    const switchAccount = async () => {
      await signOut().catch(() => undefined);
      await navigate({ to: '/sign-in', search: { next: location.href } });
    };
    return (
      <div role="alert" className="space-y-3 rounded-md bg-warning-soft p-3 text-sm text-warning">
        <p>
          You are signed in as {email}, but this invitation is for {props.preview.email}. Sign in as{' '}
          {props.preview.email} to accept it.
        </p>
        <Button variant="secondary" onClick={() => void switchAccount()}>
          Sign out and switch account
        </Button>
      </div>
    );
  }
  const accept = async () => {
    const accepted = await form.submit(null, null, () => trpcClient.invitations.accept.mutate({ token: props.token }));
    if (accepted) props.onAccepted(accepted);
  };
  return (
    <div className="space-y-3">
      <FormMessage message={form.problem.message} />
      <Button onClick={() => void accept()} disabled={form.busy}>
        {form.busy ? 'Joining…' : `Join ${props.preview.tenantName}`}
      </Button>
    </div>
  );
}

function CreateAccountForm({ token, onAccepted }: { token: string; onAccepted: (accepted: Accepted) => void }) {
  const form = useForm({ fullName: '', password: '', confirmation: '' });
  const create = async () => {
    const { fullName, password, confirmation } = form.values;
    if (password !== confirmation) {
      form.setProblem(PASSWORDS_DIFFER);
      return;
    }
    const accepted = await form.submit(null, null, () =>
      trpcClient.invitations.accept.mutate({ token, fullName: fullName.trim(), password }),
    );
    if (accepted) onAccepted(accepted);
  };
  return (
    <form onSubmit={onSubmit(create)} noValidate className="space-y-4" aria-labelledby="create-account-heading">
      <h2 id="create-account-heading" className="text-base font-semibold">
        Create your account
      </h2>
      <FormMessage message={form.problem.message} />
      <Field label="Full name" autoComplete="name" required {...form.text('fullName')} />
      <Field label="Password" type="password" autoComplete="new-password" required {...form.text('password')} />
      <Field
        label="Confirm password"
        type="password"
        autoComplete="new-password"
        required
        {...form.text('confirmation')}
      />
      <Button type="submit" disabled={form.busy}>
        {form.busy ? 'Creating your account…' : 'Create account and join'}
      </Button>
    </form>
  );
}

function Joined({ accepted }: { accepted: Accepted }) {
  const session = useSession();
  const navigate = useNavigate();
  const open = async () => {
    adoptSession(
      await trpcClient.auth.switchTenant.mutate({ tenantId: accepted.tenant.id, refreshTokenDelivery: 'cookie' }),
    );
    await navigate({ to: '/' });
  };
  return (
    <div role="status" className="space-y-3 text-sm">
      <p>
        {accepted.userCreated ? 'Your account is ready: you' : 'You'} joined {accepted.tenant.name} as {accepted.role}.
      </p>
      {session.kind === 'signed_in' ? (
        <Button onClick={() => void open()}>Open {accepted.tenant.name}</Button>
      ) : (
        <Link to="/sign-in" search={{ tenant: accepted.tenant.slug }}>
          Sign in to {accepted.tenant.name}
        </Link>
      )}
    </div>
  );
}
