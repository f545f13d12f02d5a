import { useEffect, useRef, useState } from 'react';
import { onSubmit, useForm } from '../../lib/forms.js';
import { type IssuedSession, type MfaChallenge, type RouterOutputs, trpcClient } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Field, FormMessage } from '../../ui/field.js';
import { RecoveryCodes } from './recovery-codes.js';

type Enrolment = RouterOutputs['mfa']['beginRequiredEnrolment'];

/**
 * Sign-in step two. An enrolled account types a code from its app (or a recovery code); an account
 * whose organization requires MFA but has none yet enrols here first, then signs in.
 */
export function MfaStep(props: {
  challenge: MfaChallenge;
  onSignedIn: (session: IssuedSession) => void;
  onRestart: () => void;
}) {
  const { challenge } = props;
  const form = useForm({ code: '' });
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [recovery, setRecovery] = useState<{ codes: string[]; session: IssuedSession } | null>(null);
  const mustEnrol = challenge.status === 'mfa_enrolment_required';
  const { submit } = form;

  // Each begin makes a new secret: StrictMode's second effect run must not replace the one on screen.
  const begunFor = useRef<string | null>(null);
  useEffect(() => {
    if (!mustEnrol || begunFor.current === challenge.mfaToken) return;
    begunFor.current = challenge.mfaToken;
    void submit(null, null, () => trpcClient.mfa.beginRequiredEnrolment.mutate({ mfaToken: challenge.mfaToken })).then(
      (begun) => begun && setEnrolment(begun),
    );
  }, [mustEnrol, challenge.mfaToken, submit]);

  const verify = async () => {
    const code = form.values.code.trim();
    if (mustEnrol) {
      const done = await form.submit(null, null, () =>
        trpcClient.mfa.confirmRequiredEnrolment.mutate({ mfaToken: challenge.mfaToken, code }),
      );
      if (done) setRecovery({ codes: done.recoveryCodes, session: done.session });
      return;
    }
    const session = await form.submit(null, null, () =>
      trpcClient.mfa.verify.mutate({ mfaToken: challenge.mfaToken, code }),
    );
    if (session) props.onSignedIn(session);
  };

  if (recovery) {
    return (
      <div className="space-y-4">
        <p className="text-sm">
          Two-factor authentication is on. Keep these recovery codes somewhere safe: each works once, instead of a code.
        </p>
        <RecoveryCodes codes={recovery.codes} />
        <Button onClick={() => props.onSignedIn(recovery.session)}>Continue</Button>
      </div>
    );
  }

  return (
    <form onSubmit={onSubmit(verify)} noValidate className="space-y-4">
      <p className="text-sm">
        {mustEnrol
          ? `${challenge.tenant.name} requires two-factor authentication. Scan this code with your authenticator app, then enter the code it shows.`
          : `Enter the code from your authenticator app to sign in to ${challenge.tenant.name}.`}
      </p>
      {enrolment && (
        <div className="space-y-2">
          <img
            src={enrolment.qrCodeDataUrl}
            alt="QR code for your authenticator app"
            width={180}
            height={180}
            className="rounded bg-white p-2"
          />
          <p className="text-sm">
            Or enter this key by hand: <code data-testid="mfa-secret">{enrolment.secret}</code>
          </p>
        </div>
      )}
      <FormMessage message={form.problem.message} />
      <Field
        label={mustEnrol ? 'Code' : 'Code or recovery code'}
        autoComplete="one-time-code"
        inputMode={mustEnrol ? 'numeric' : undefined}
        required
        {...form.text('code')}
      />
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={form.busy || (mustEnrol && !enrolment)}>
          {form.busy ? 'Checking…' : 'Verify'}
        </Button>
        <Button variant="ghost" onClick={props.onRestart}>
          Start over
        </Button>
      </div>
    </form>
  );
}
