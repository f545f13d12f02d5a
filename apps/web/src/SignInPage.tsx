import { type FormEvent, useState } from 'react';
import { Field, FormProblem } from './forms.js';
import { MfaStep } from './MfaStep.js';
import { Link, navigate, safeLocalPath, useLocation } from './router.js';
import { adoptSession } from './session.js';
import { type IssuedSession, type MfaChallenge, trpc } from './trpc.js';
import { useSubmission } from './use-submission.js';

/** Sign-in, then (if the account or organization asks for it) the second factor. */
export function SignInPage() {
  const { params } = useLocation();
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const [forgotPassword, setForgotPassword] = useState(false);
  const next = safeLocalPath(params.get('next')) ?? '/';

  const finish = (session: IssuedSession) => {
    adoptSession(session);
    navigate(next);
  };

  return (
    <section className="panel narrow" aria-labelledby="sign-in-heading">
      <h2 id="sign-in-heading">{forgotPassword ? 'Reset your password' : 'Sign in'}</h2>
      {challenge ? (
        <MfaStep challenge={challenge} onSignedIn={finish} onRestart={() => setChallenge(null)} />
      ) : forgotPassword ? (
        <ForgotPasswordForm onBack={() => setForgotPassword(false)} />
      ) : (
        <>
          <CredentialsForm initialTenant={params.get('tenant') ?? ''} onSignedIn={finish} onChallenge={setChallenge} />
          <p>
            <button type="button" className="link-button" onClick={() => setForgotPassword(true)}>
              Forgot password?
            </button>
          </p>
        </>
      )}
      <p>
        <Link to="/">Back to the dashboard</Link>
      </p>
    </section>
  );
}

function CredentialsForm(props: {
  initialTenant: string;
  onSignedIn: (session: IssuedSession) => void;
  onChallenge: (challenge: MfaChallenge) => void;
}) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [tenant, setTenant] = useState(props.initialTenant);
  const { busy, problem, submit } = useSubmission();

  const signIn = async (event: FormEvent) => {
    event.preventDefault();
    const result = await submit(() =>
      trpc.auth.signIn.mutate({ email: email.trim(), password, tenant: tenant.trim() || undefined }),
    );
    if (!result) return;
    if (result.status === 'signed_in') props.onSignedIn(result);
    else props.onChallenge(result);
  };

  return (
    <form onSubmit={signIn} noValidate>
      <FormProblem problem={problem} />
      <Field
        label="Email"
        type="email"
        autoComplete="username"
        required
        value={email}
        onValueChange={setEmail}
        error={problem.fields.email}
      />
      <Field
        label="Password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onValueChange={setPassword}
        error={problem.fields.password}
      />
      <Field
        label="Organization (optional)"
        hint="Its short name, as in your sign-in link; leave empty for the one you used last."
        autoComplete="organization"
        value={tenant}
        onValueChange={setTenant}
        error={problem.fields.tenant}
      />
      <button type="submit" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function ForgotPasswordForm({ onBack }: { onBack: () => void }) {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const { busy, problem, submit } = useSubmission();

  const request = async (event: FormEvent) => {
    event.preventDefault();
    const result = await submit(() => trpc.auth.requestPasswordReset.mutate({ email: email.trim() }));
    if (result) setSent(result.message);
  };

  return (
    <form onSubmit={request} noValidate>
      <p role="status" aria-live="polite">
        {sent}
      </p>
      <FormProblem problem={problem} />
      <Field
        label="Email"
        type="email"
        autoComplete="username"
        required
        value={email}
        onValueChange={setEmail}
        error={problem.fields.email}
      />
      <button type="submit" disabled={busy}>
        {busy ? 'Sending…' : 'Send reset link'}
      </button>{' '}
      <button type="button" className="link-button" onClick={onBack}>
        Back to sign in
      </button>
    </form>
  );
}
