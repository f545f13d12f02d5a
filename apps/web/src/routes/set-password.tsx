import { useQuery } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { useState } from 'react';
import { apiProblem, PASSWORDS_DIFFER } from '../lib/api-problem.js';
import { onSubmit, useForm } from '../lib/forms.js';
import { optionalString } from '../lib/search.js';
import { trpc, trpcClient } from '../lib/trpc.js';
import { Button } from '../ui/button.js';
import { Field, FormMessage } from '../ui/field.js';
import { Page } from '../ui/page.js';
import { ErrorState, Loading } from '../ui/states.js';

export const Route = createFileRoute('/set-password')({
  staticData: { public: true },
  validateSearch: (search: Record<string, unknown>): { token?: string } => ({ token: optionalString(search, 'token') }),
  component: SetPasswordPage,
});

/**
 * Where welcome and password-reset emails lead. The link is checked first, so a used or expired
 * one says so (and offers a new one) before anyone types. Setting a password does not sign in.
 */
function SetPasswordPage() {
  const token = Route.useSearch().token ?? '';
  const link = useQuery({ ...trpc.auth.passwordLink.queryOptions({ token }), enabled: token !== '', retry: false });
  const [doneFor, setDoneFor] = useState<string | null>(null);

  if (doneFor) {
    return (
      <Page title="Password set">
        <p role="status" className="text-sm">
          The password for {doneFor} is set. <Link to="/sign-in">Sign in</Link>
        </p>
      </Page>
    );
  }
  if (!token) {
    return (
      <Page title="This link is incomplete">
        <p className="text-sm">The link has no token. Open the link from your email again, or ask for a new one.</p>
        <NewLinkForm />
      </Page>
    );
  }
  if (link.isPending) return <Loading label="Checking your link…" />;
  if (link.isError) {
    const problem = apiProblem(link.error);
    if (problem.code !== 'BAD_REQUEST') {
      return (
        <Page title="Choose your password">
          <ErrorState message={problem.message} onRetry={() => void link.refetch()} retrying={link.isFetching} />
        </Page>
      );
    }
    return (
      <Page title="This link no longer works">
        <p className="text-sm">
          It was already used, has expired, or a newer link replaced it. Ask for a new one below and use the newest
          email.
        </p>
        <NewLinkForm />
      </Page>
    );
  }
  return (
    <Page
      title={link.data.purpose === 'welcome' ? 'Choose your password' : 'Reset your password'}
      description={`For ${link.data.email}`}
    >
      <PasswordForm token={token} onDone={setDoneFor} />
    </Page>
  );
}

function PasswordForm({ token, onDone }: { token: string; onDone: (email: string) => void }) {
  const form = useForm({ password: '', confirmation: '' });
  const save = async () => {
    if (form.values.password !== form.values.confirmation) {
      form.setProblem(PASSWORDS_DIFFER);
      return;
    }
    const result = await form.submit(null, null, () =>
      trpcClient.auth.setPassword.mutate({ token, password: form.values.password }),
    );
    if (result) onDone(result.email);
  };
  return (
    <form onSubmit={onSubmit(save)} noValidate className="space-y-4">
      <FormMessage message={form.problem.message} />
      <Field
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        hint="At least 8 characters; a passphrase of a few words works well."
        {...form.text('password')}
        error={form.problem.fields.password ?? form.problem.fields.token}
      />
      <Field
        label="Confirm password"
        type="password"
        autoComplete="new-password"
        required
        {...form.text('confirmation')}
      />
      <Button type="submit" disabled={form.busy}>
        {form.busy ? 'Saving…' : 'Set password'}
      </Button>
    </form>
  );
}

/** A fresh reset link by email; the answer is the same whether or not the address has an account. */
function NewLinkForm() {
  const form = useForm({ email: '' });
  const [sent, setSent] = useState<string | null>(null);
  const request = async () => {
    const result = await form.submit(null, null, () =>
      trpcClient.auth.requestPasswordReset.mutate({ email: form.values.email.trim() }),
    );
    if (result) setSent(result.message);
  };
  return (
    <form onSubmit={onSubmit(request)} noValidate className="mt-4 space-y-4">
      <p role="status" aria-live="polite" className="text-sm">
        {sent}
      </p>
      <FormMessage message={form.problem.message} />
      <Field label="Email" type="email" autoComplete="username" required {...form.text('email')} />
      <Button type="submit" disabled={form.busy}>
        {form.busy ? 'Sending…' : 'Send a new link'}
      </Button>
    </form>
  );
}
