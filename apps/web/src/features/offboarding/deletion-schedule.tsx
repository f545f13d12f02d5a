import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem, NO_PROBLEM } from '../../lib/api-problem.js';
import { useFormat } from '../../lib/format.js';
import { onSubmit, useForm } from '../../lib/forms.js';
import { type Offboarding, trpc, trpcClient } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { ConfirmDialog, Dialog } from '../../ui/dialog.js';
import { Field, FormMessage, TextAreaField } from '../../ui/field.js';
import { toast } from '../../ui/toast.js';
import { QueryView } from '../common/query-view.js';
import { daysLabel, daysUntil } from './deletion-date.js';

interface Subject {
  /** Another tenant's public id, for operators; the caller's own organization when absent. */
  tenantId?: string;
  /** Whose deletion this is, in sentences ("Acme" or "this organization"). */
  name: string;
  canManage: boolean;
}

/**
 * The danger zone: schedule the organization's deletion (with a reason and the slug typed by hand),
 * or, once scheduled, the date, the days left and the way back.
 */
export function DeletionSchedule(subject: Subject) {
  const offboarding = useQuery(
    trpc.offboarding.get.queryOptions(subject.tenantId ? { tenantId: subject.tenantId } : undefined),
  );
  return (
    <Card
      title="Delete organization"
      id="deletion"
      className="border-danger/40"
      description="Removes every member, file, setting and record for good, after a notice period."
    >
      <QueryView query={offboarding} loadingLabel="Loading the deletion schedule…">
        {(current) =>
          current.schedule ? (
            <Scheduled subject={subject} schedule={current.schedule} />
          ) : (
            <NotScheduled subject={subject} offboarding={current} />
          )
        }
      </QueryView>
    </Card>
  );
}

/** Everything a schedule or cancellation changes: the banner, read-only screens, operator views. */
function useRefreshAll() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries();
}

function NotScheduled({ subject, offboarding }: { subject: Subject; offboarding: Offboarding }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="space-y-3">
      <p className="text-sm">
        Scheduling the deletion gives a notice period of <strong>{daysLabel(offboarding.retentionDays)}</strong>. During
        it {subject.name} is read-only: members can still sign in, read everything and export its data, admins get a
        notice by email now and again before the end, and the deletion can be cancelled. After it, everything is deleted
        and cannot be recovered.
      </p>
      {subject.canManage && (
        <Button variant="danger" onClick={() => setOpen(true)}>
          Delete organization…
        </Button>
      )}
      {open && <ScheduleDialog subject={subject} offboarding={offboarding} onClose={() => setOpen(false)} />}
    </div>
  );
}

function ScheduleDialog(props: { subject: Subject; offboarding: Offboarding; onClose: () => void }) {
  const refreshAll = useRefreshAll();
  const form = useForm({ reason: '', confirmation: '' });
  const { tenantId } = props.subject;
  const schedule = async () => {
    const scheduled = await form.submit(null, null, () =>
      trpcClient.offboarding.schedule.mutate({
        ...(tenantId ? { tenantId } : {}),
        reason: form.values.reason,
        confirmation: form.values.confirmation,
      }),
    );
    if (!scheduled) return;
    toast.success('The deletion is scheduled');
    await refreshAll();
    props.onClose();
  };
  return (
    <Dialog
      open
      onOpenChange={(open) => !open && props.onClose()}
      title="Schedule the deletion"
      description={`${props.subject.name} becomes read-only now and is deleted for good in ${daysLabel(props.offboarding.retentionDays)}.`}
    >
      <form noValidate className="space-y-3" onSubmit={onSubmit(schedule)}>
        <FormMessage message={form.problem.message} />
        <TextAreaField
          label="Reason"
          hint="Kept in the audit log; admins see it until the deletion."
          rows={3}
          {...form.text('reason')}
        />
        <Field
          label={`Type ${props.offboarding.confirmationText} to confirm`}
          autoComplete="off"
          spellCheck={false}
          {...form.text('confirmation')}
        />
        <div className="flex flex-wrap justify-end gap-2">
          <Button variant="secondary" onClick={props.onClose}>
            Keep it
          </Button>
          <Button type="submit" variant="danger" disabled={form.busy}>
            {form.busy ? 'Scheduling…' : 'Schedule deletion'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function Scheduled({ subject, schedule }: { subject: Subject; schedule: NonNullable<Offboarding['schedule']> }) {
  const format = useFormat();
  const refreshAll = useRefreshAll();
  const [confirming, setConfirming] = useState(false);
  const cancel = useMutation(
    trpc.offboarding.cancel.mutationOptions({
      onSuccess: async () => {
        toast.success('The deletion is cancelled');
        setConfirming(false);
        await refreshAll();
      },
    }),
  );
  const problem = cancel.isError ? apiProblem(cancel.error) : NO_PROBLEM;
  const days = daysUntil(schedule.deleteAt);
  return (
    <div className="space-y-3">
      <p className="text-lg font-semibold text-danger" aria-live="polite">
        {schedule.deleting
          ? 'The deletion is under way.'
          : `Deletion on ${format.date(schedule.deleteAt)} — ${daysLabel(days)} left.`}
      </p>
      <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
        <dt className="text-muted-foreground">Scheduled</dt>
        <dd>
          {format.date(schedule.requestedAt)} by {schedule.requestedByOperator ? 'a platform operator' : 'an admin'}
        </dd>
        <dt className="text-muted-foreground">Reason</dt>
        <dd className="break-words">{schedule.reason}</dd>
        <dt className="text-muted-foreground">Final notice</dt>
        <dd>
          {schedule.finalNoticeSentAt
            ? `sent ${format.date(schedule.finalNoticeSentAt)}`
            : 'by email a few days before the deletion'}
        </dd>
      </dl>
      <p className="text-sm">
        Until then {subject.name} is read-only. Cancelling puts everything back as it was; nothing has been deleted yet.
      </p>
      <FormMessage message={problem.message} />
      {subject.canManage && !schedule.deleting && (
        <Button variant="primary" onClick={() => setConfirming(true)}>
          Cancel the deletion
        </Button>
      )}
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title="Cancel the deletion?"
        description={`${subject.name} is back to normal at once: members can change things again, and nothing is lost.`}
        confirmLabel="Cancel the deletion"
        busy={cancel.isPending}
        onConfirm={() => cancel.mutate(subject.tenantId ? { tenantId: subject.tenantId } : undefined)}
      />
    </div>
  );
}
