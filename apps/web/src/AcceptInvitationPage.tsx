import { type FormEvent, useEffect, useState } from 'react';
import { type ApiProblem, apiProblem, PASSWORDS_DIFFER } from './api-problem.js';
import { Field, FormProblem } from './forms.js';
import { Link, useLocation } from './router.js';
import { useSession } from './session.js';
import { type InvitationPreview, trpc } from './trpc.js';
import { useSubmission } from './use-submission.js';

type Accepted = Awaited<ReturnType<typeof trpc.invitations.accept.mutate>>;
type Preview =
  | { kind: 'loading' }
  | { kind: 'loaded'; preview: InvitationPreview }
  | { kind: 'failed'; problem: ApiProblem };

/** Where invitation emails lead: what the invitation offers, then joining as yourself or as a new account. */
export function AcceptInvitationPage() {
  const { pathname, params } = useLocation();
  const token = params.get('token') ?? '';
  const preview = useInvitationPreview(token);
  const [accepted, setAccepted] = useState<Accepted | null>(null);
  const here = `${pathname}?${params.toString()}`;

  return (
    <section className="panel narrow" aria-labelledby="invitation-heading">
      <h2 id="invitation-heading">Invitation</h2>
      {accepted ? (
        <Joined accepted={accepted} />
      ) : preview.kind === 'loading' ? (
        <p>Loading the invitation…</p>
      ) : preview.kind === 'failed' ? (
        // Expired, revoked, used or unknown: the api's message says which, and what to do.
        <p role="alert" className="problem">
          {preview.problem.message}
        </p>
      ) : (
        <>
          <InvitationSummary preview={preview.preview} />
          <AcceptChoices token={token} preview={preview.preview} signInHref={here} onAccepted={setAccepted} />
        </>
      )}
    </section>
  );
}

function useInvitationPreview(token: string): Preview {
  const [preview, setPreview] = useState<Preview>({ kind: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    setPreview({ kind: 'loading' });
    trpc.invitations.preview.query({ token }, { signal: controller.signal }).then(
      (loaded) => setPreview({ kind: 'loaded', preview: loaded }),
      (error: unknown) => {
        if (!controller.signal.aborted) setPreview({ kind: 'failed', problem: apiProblem(error) });
      },
    );
    return () => controller.abort();
  }, [token]);
  return preview;
}

function InvitationSummary({ preview }: { preview: InvitationPreview }) {
  return (
    <dl className="facts">
      <dt>Organization</dt>
      <dd>{preview.tenantName}</dd>
      <dt>Invited address</dt>
      <dd>{preview.email}</dd>
      <dt>Role</dt>
      <dd className="capitalize">{preview.role}</dd>
      <dt>Expires</dt>
      <dd>{new Date(preview.expiresAt).toLocaleString()}</dd>
    </dl>
  );
}

function AcceptChoices(props: {
  token: string;
  preview: InvitationPreview;
  signInHref: string;
  onAccepted: (accepted: Accepted) => void;
}) {
  const session = useSession();
  const { busy, problem, submit } = useSubmission();
  const signInFirst = `/sign-in?next=${encodeURIComponent(props.signInHref)}`;

  if (session.kind === 'restoring') return <p>Checking whether you are signed in…</p>;
  if (session.kind === 'signed_in') {
    const accept = async () => {
      const accepted = await submit(() => trpc.invitations.accept.mutate({ token: props.token }));
      if (accepted) props.onAccepted(accepted);
    };
    return (
      <div>
        <FormProblem problem={problem} />
        <button type="button" onClick={accept} disabled={busy}>
          {busy ? 'Joining…' : `Join ${props.preview.tenantName}`}
        </button>
      </div>
    );
  }
  if (props.preview.accountExists) {
    return (
      <p>
        An account exists for {props.preview.email}. <Link to={signInFirst}>Sign in first</Link>, then accept.
      </p>
    );
  }
  return (
    <>
      <CreateAccountForm token={props.token} onAccepted={props.onAccepted} />
      <p>
        Already have an account for {props.preview.email}? <Link to={signInFirst}>Sign in first</Link>
      </p>
    </>
  );
}

function CreateAccountForm({ token, onAccepted }: { token: string; onAccepted: (accepted: Accepted) => void }) {
  const [fullName, setFullName] = useState('');
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const { busy, problem, setProblem, submit } = useSubmission();

  const create = async (event: FormEvent) => {
    event.preventDefault();
    if (password !== confirmation) {
      setProblem(PASSWORDS_DIFFER);
      return;
    }
    const accepted = await submit(() => trpc.invitations.accept.mutate({ token, fullName: fullName.trim(), password }));
    if (accepted) onAccepted(accepted);
  };

  return (
    <form onSubmit={create} noValidate aria-labelledby="create-account-heading">
      <h3 id="create-account-heading">Create your account</h3>
      <FormProblem problem={problem} />
      <Field
        label="Full name"
        autoComplete="name"
        required
        value={fullName}
        onValueChange={setFullName}
        error={problem.fields.fullName}
      />
      <Field
        label="Password"
        type="password"
        autoComplete="new-password"
        required
        value={password}
        onValueChange={setPassword}
        error={problem.fields.password}
      />
      <Field
        label="Confirm password"
        type="password"
        autoComplete="new-password"
        required
        value={confirmation}
        onValueChange={setConfirmation}
        error={problem.fields.confirmation}
      />
      <button type="submit" disabled={busy}>
        {busy ? 'Creating your account…' : 'Create account and join'}
      </button>
    </form>
  );
}

function Joined({ accepted }: { accepted: Accepted }) {
  const signIn = `/sign-in?tenant=${encodeURIComponent(accepted.tenant.slug)}`;
  return (
    <p role="status">
      {accepted.userCreated ? 'Your account is ready: you' : 'You'} joined {accepted.tenant.name} as {accepted.role}.{' '}
      <Link to={signIn}>Sign in to {accepted.tenant.name}</Link>
    </p>
  );
}
