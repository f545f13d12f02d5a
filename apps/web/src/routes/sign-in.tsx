import { createFileRoute, Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { MfaStep } from '../features/access/mfa-step.js';
import { onSubmit, useForm } from '../lib/forms.js';
import { optionalFlag, optionalString } from '../lib/search.js';
import { adoptSession, useSession } from '../lib/session.js';
import { type IssuedSession, type MfaChallenge, trpcClient } from '../lib/trpc.js';
import { Button } from '../ui/button.js';
import { Field, FormMessage } from '../ui/field.js';
import { Page } from '../ui/page.js';

/** Only paths of this site: a `next=` parameter must never send the user to another origin. */
export function safeLocalPath(candidate: string | undefined): string | null {
  return candidate?.startsWith('/') && !candidate.startsWith('//') && !candidate.startsWith('/\\') ? candidate : null;
}

export const Route = createFileRoute('/sign-in')({
  staticData: { public: true },
  validateSearch: (search: Record<string, unknown>): { next?: string; tenant?: string; expired?: true } => ({
    next: optionalString(search, 'next'),
    tenant: optionalString(search, 'tenant'),
    expired: optionalFlag(search, 'expired'),
  }),
  component: SignInPage,
});

function SignInPage() {
  const search = Route.useSearch();
  const navigate = useNavigate();
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const [forgotPassword, setForgotPassword] = useState(false);
  const session = useSession();

  const finish = (session: IssuedSession) => {
    adoptSession(session);
    void navigate({ href: safeLocalPath(search.next) ?? '/', replace: true });
  };

  return (
    <Page title={forgotPassword ? 'Reset your password' : 'Sign in'}>
      {session.kind === 'signed_out' && session.reason === 'suspended' && !challenge && !forgotPassword && (
        <p role="alert" className="rounded-md bg-danger-soft px-3 py-2 text-sm text-danger">
          You were signed out. {session.message}
        </p>
      )}
      {search.expired && !challenge && !forgotPassword && (
        <p role="status" className="rounded-md bg-warning-soft px-3 py-2 text-sm text-warning">
          Your session ended. Sign in again to continue.
        </p>
      )}
      {challenge ? (
        <MfaStep challenge={challenge} onSignedIn={finish} onRestart={() => setChallenge(null)} />
      ) : forgotPassword ? (
        <ForgotPasswordForm onBack={() => setForgotPassword(false)} />
      ) : (
        <>
          <CredentialsForm initialTenant={search.tenant ?? ''} onSignedIn={finish} onChallenge={setChallenge} />
          <div className="flex flex-wrap justify-between gap-2 text-sm">
            <Button variant="link" onClick={() => setForgotPassword(true)}>
              Forgot password?
            </Button>
            <Link to="/sign-up">Create an organization</Link>
          </div>
        </>
      )}
    </Page>
  );
}

function CredentialsForm(props: {
  initialTenant: string;
  onSignedIn: (session: IssuedSession) => void;
  onChallenge: (challenge: MfaChallenge) => void;
}) {
  const form = useForm({ email: '', password: '', tenant: props.initialTenant });

  const signIn = async () => {
    const { email, password, tenant } = form.values;
    const result = await form.submit(null, null, () =>
      trpcClient.auth.signIn.mutate({ email: email.trim(), password, tenant: tenant.trim() || undefined }),
    );
    if (!result) return;
    if (result.status === 'signed_in') props.onSignedIn(result);
    else props.onChallenge(result);
  };

  return (
    <form onSubmit={onSubmit(signIn)} noValidate className="space-y-4">
      <FormMessage message={form.problem.message} />
      <Field label="Email" type="email" autoComplete="username" required {...form.text('email')} />
      <Field label="Password" type="password" autoComplete="current-password" required {...form.text('password')} />
      <Field
        label="Organization (optional)"
        hint="Its short name, as in your sign-in link; leave empty for the one you used last."
        autoComplete="organization"
        {...form.text('tenant')}
      />
      <Button type="submit" disabled={form.busy} className="w-full justify-center">
        {form.busy ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}

function ForgotPasswordForm({ onBack }: { onBack: () => void }) {
  const form = useForm({ email: '' });
  const [sent, setSent] = useState<string | null>(null);

  const request = async () => {
    const result = await form.submit(null, null, () =>
      trpcClient.auth.requestPasswordReset.mutate({ email: form.values.email.trim() }),
    );
    if (result) setSent(result.message);
  };

  return (
    <form onSubmit={onSubmit(request)} noValidate className="space-y-4">
      <p role="status" aria-live="polite" className="text-sm">
        {sent}
      </p>
      <FormMessage message={form.problem.message} />
      <Field label="Email" type="email" autoComplete="username" required {...form.text('email')} />
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={form.busy}>
          {form.busy ? 'Sending…' : 'Send reset link'}
        </Button>
        <Button variant="ghost" onClick={onBack}>
          Back to sign in
        </Button>
      </div>
    </form>
  );
}
