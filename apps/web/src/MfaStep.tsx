import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Field, FormProblem } from './forms.js';
import { type IssuedSession, type MfaChallenge, trpc } from './trpc.js';
import { useSubmission } from './use-submission.js';

type Enrolment = Awaited<ReturnType<typeof trpc.mfa.beginRequiredEnrolment.mutate>>;

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
  const [code, setCode] = useState('');
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [recovery, setRecovery] = useState<{ codes: string[]; session: IssuedSession } | null>(null);
  const { busy, problem, submit } = useSubmission();
  const mustEnrol = challenge.status === 'mfa_enrolment_required';

  // Each begin makes a new secret: StrictMode's second effect run must not replace the one on screen.
  const begunFor = useRef<string | null>(null);
  useEffect(() => {
    if (!mustEnrol || begunFor.current === challenge.mfaToken) return;
    begunFor.current = challenge.mfaToken;
    void submit(() => trpc.mfa.beginRequiredEnrolment.mutate({ mfaToken: challenge.mfaToken })).then(
      (begun) => begun && setEnrolment(begun),
    );
  }, [mustEnrol, challenge.mfaToken, submit]);

  const verify = async (event: FormEvent) => {
    event.preventDefault();
    if (mustEnrol) {
      const done = await submit(() =>
        trpc.mfa.confirmRequiredEnrolment.mutate({ mfaToken: challenge.mfaToken, code: code.trim() }),
      );
      if (done) setRecovery({ codes: done.recoveryCodes, session: done.session });
      return;
    }
    const session = await submit(() => trpc.mfa.verify.mutate({ mfaToken: challenge.mfaToken, code: code.trim() }));
    if (session) props.onSignedIn(session);
  };

  if (recovery) {
    return (
      <div>
        <p>
          Two-factor authentication is on. Keep these recovery codes somewhere safe: each works once, instead of a code.
        </p>
        <ul className="recovery-codes">
          {recovery.codes.map((recoveryCode) => (
            <li key={recoveryCode}>
              <code>{recoveryCode}</code>
            </li>
          ))}
        </ul>
        <button type="button" onClick={() => props.onSignedIn(recovery.session)}>
          Continue
        </button>
      </div>
    );
  }

  return (
    <form onSubmit={verify} noValidate>
      <p>
        {mustEnrol
          ? `${challenge.tenant.name} requires two-factor authentication. Scan this code with your authenticator app, then enter the code it shows.`
          : `Enter the code from your authenticator app to sign in to ${challenge.tenant.name}.`}
      </p>
      {enrolment && (
        <div className="enrolment">
          <img src={enrolment.qrCodeDataUrl} alt="QR code for your authenticator app" width={180} height={180} />
          <p>
            Or enter this key by hand: <code>{enrolment.secret}</code>
          </p>
        </div>
      )}
      <FormProblem problem={problem} />
      <Field
        label={mustEnrol ? 'Code' : 'Code or recovery code'}
        autoComplete="one-time-code"
        inputMode={mustEnrol ? 'numeric' : undefined}
        required
        value={code}
        onValueChange={setCode}
        error={problem.fields.code}
      />
      <button type="submit" disabled={busy || (mustEnrol && !enrolment)}>
        {busy ? 'Checking…' : 'Verify'}
      </button>{' '}
      <button type="button" className="link-button" onClick={props.onRestart}>
        Start over
      </button>
    </form>
  );
}
