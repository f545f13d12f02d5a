import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useFormat } from '../../lib/format.js';
import { onSubmit, useForm } from '../../lib/forms.js';
import { adoptSession, whileReissuing } from '../../lib/session.js';
import { type RouterOutputs, trpc, trpcClient } from '../../lib/trpc.js';
import { Badge } from '../../ui/badge.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { Field, FormMessage } from '../../ui/field.js';
import { toast } from '../../ui/toast.js';
import { RecoveryCodes } from '../access/recovery-codes.js';
import { QueryView } from '../common/query-view.js';

type Enrolment = RouterOutputs['mfa']['beginEnrolment'];
type Mode = 'idle' | 'enrolling' | 'regenerating' | 'disabling';

/** Two-factor sign-in: enrol with an authenticator app, new recovery codes, or turn it off. */
export function MfaCard() {
  const status = useQuery(trpc.mfa.status.queryOptions());
  const format = useFormat();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<Mode>('idle');
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const form = useForm({ code: '', password: '' });

  const refresh = () => queryClient.invalidateQueries(trpc.mfa.pathFilter());
  const reset = () => {
    setMode('idle');
    setEnrolment(null);
    form.setValues({ code: '', password: '' });
    form.setProblem({ message: '', fields: {}, code: null, details: {} });
  };

  const begin = async () => {
    const begun = await form.submit(null, null, () => trpcClient.mfa.beginEnrolment.mutate());
    if (!begun) return;
    setCodes(null);
    setEnrolment(begun);
    setMode('enrolling');
  };

  const confirm = async () => {
    const code = form.values.code.trim();
    if (mode === 'enrolling') {
      const done = await form.submit(null, null, () =>
        whileReissuing(trpcClient.mfa.confirmEnrolment.mutate({ code, refreshTokenDelivery: 'cookie' })),
      );
      if (!done) return;
      // Turning MFA on ends every session of the account; this one continues with a fresh session.
      adoptSession(done.session);
      setCodes(done.recoveryCodes);
      toast.success('Two-factor authentication is on');
    } else if (mode === 'regenerating') {
      const done = await form.submit(null, null, () => trpcClient.mfa.regenerateRecoveryCodes.mutate({ code }));
      if (!done) return;
      setCodes(done.recoveryCodes);
      toast.success('New recovery codes made; the old ones no longer work');
    } else if (mode === 'disabling') {
      const done = await form.submit(null, null, () =>
        whileReissuing(
          trpcClient.mfa.disable.mutate({ code, password: form.values.password, refreshTokenDelivery: 'cookie' }),
        ),
      );
      if (!done) return;
      adoptSession(done.session);
      setCodes(null);
      toast.success('Two-factor authentication is off');
    }
    reset();
    await refresh();
  };

  return (
    <Card title="Two-factor authentication" id="mfa" description="A code from an authenticator app at each sign-in.">
      <QueryView query={status} loadingLabel="Loading two-factor status…">
        {(current) => (
          <div className="space-y-4">
            <div className="flex flex-wrap items-center gap-2 text-sm">
              <Badge tone={current.enabled ? 'success' : 'neutral'}>{current.enabled ? 'On' : 'Off'}</Badge>
              {/* One run of text, so a narrow screen wraps it between words, never before the separator. */}
              {current.enabled && (
                <span>
                  {current.enabledAt && `since ${format.date(current.enabledAt)} · `}
                  {current.recoveryCodesLeft} recovery codes left
                </span>
              )}
              {current.requiredByOrganization && <span>· required by your organization</span>}
            </div>
            {codes && (
              <div className="space-y-2">
                <p className="text-sm">
                  Keep these recovery codes somewhere safe: each works once, instead of a code. They are not shown
                  again.
                </p>
                <RecoveryCodes codes={codes} />
              </div>
            )}
            {mode === 'idle' && <FormMessage message={form.problem.message} />}
            {mode === 'idle' ? (
              <div className="flex flex-wrap gap-2">
                {!current.enabled ? (
                  <Button onClick={() => void begin()} disabled={form.busy}>
                    Set up two-factor authentication
                  </Button>
                ) : (
                  <>
                    <Button variant="secondary" onClick={() => setMode('regenerating')}>
                      New recovery codes
                    </Button>
                    {!current.requiredByOrganization && (
                      <Button variant="danger" onClick={() => setMode('disabling')}>
                        Turn off
                      </Button>
                    )}
                  </>
                )}
              </div>
            ) : (
              <form noValidate onSubmit={onSubmit(confirm)} className="space-y-3">
                {enrolment && mode === 'enrolling' && (
                  <div className="space-y-2">
                    <p className="text-sm">Scan this code with your authenticator app, then enter the code it shows.</p>
                    <img
                      src={enrolment.qrCodeDataUrl}
                      alt="QR code for your authenticator app"
                      width={180}
                      height={180}
                      className="rounded bg-white p-2"
                    />
                    <p className="text-sm break-all">
                      Or enter this key by hand: <code data-testid="mfa-secret">{enrolment.secret}</code>
                    </p>
                  </div>
                )}
                <FormMessage message={form.problem.message} />
                <div className="grid gap-3 sm:grid-cols-2">
                  {mode === 'disabling' && (
                    <Field
                      label="Password"
                      type="password"
                      autoComplete="current-password"
                      {...form.text('password')}
                    />
                  )}
                  <Field
                    label="Code from your app"
                    autoComplete="one-time-code"
                    inputMode="numeric"
                    {...form.text('code')}
                  />
                </div>
                <div className="flex flex-wrap gap-2">
                  <Button type="submit" variant={mode === 'disabling' ? 'danger' : 'primary'} disabled={form.busy}>
                    {mode === 'enrolling'
                      ? 'Turn on'
                      : mode === 'regenerating'
                        ? 'Make new recovery codes'
                        : 'Turn off two-factor'}
                  </Button>
                  <Button variant="ghost" onClick={reset}>
                    Cancel
                  </Button>
                </div>
              </form>
            )}
          </div>
        )}
      </QueryView>
    </Card>
  );
}
