import { type FormEvent, useState } from 'react';
import { PASSWORDS_DIFFER } from './api-problem.js';
import { Field, FormProblem } from './forms.js';
import { Link, useLocation } from './router.js';
import { trpc } from './trpc.js';
import { useSubmission } from './use-submission.js';

/** Where welcome and password-reset emails lead. Setting a password does not sign in: the api says so. */
export function SetPasswordPage() {
  const token = useLocation().params.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [doneFor, setDoneFor] = useState<string | null>(null);
  const { busy, problem, setProblem, submit } = useSubmission();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (password !== confirmation) {
      setProblem(PASSWORDS_DIFFER);
      return;
    }
    const result = await submit(() => trpc.auth.setPassword.mutate({ token, password }));
    if (result) setDoneFor(result.email);
  };

  return (
    <section className="panel narrow" aria-labelledby="set-password-heading">
      <h2 id="set-password-heading">{doneFor ? 'Password set' : 'Choose your password'}</h2>
      {doneFor ? (
        <p role="status">
          The password for {doneFor} is set. <Link to="/sign-in">Sign in</Link>
        </p>
      ) : !token ? (
        <p className="problem">This link has no token. Open the link from your email again.</p>
      ) : (
        <form onSubmit={save} noValidate>
          <FormProblem problem={problem} />
          <Field
            label="New password"
            type="password"
            autoComplete="new-password"
            required
            value={password}
            onValueChange={setPassword}
            error={problem.fields.password ?? problem.fields.token}
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
            {busy ? 'Saving…' : 'Set password'}
          </button>
        </form>
      )}
    </section>
  );
}
