import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem, NO_PROBLEM } from '../../lib/api-problem.js';
import { onSubmit } from '../../lib/forms.js';
import { trpc } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { CheckboxField, Field, FormMessage, TextAreaField } from '../../ui/field.js';
import { toast } from '../../ui/toast.js';
import { QueryView } from '../common/query-view.js';

/** The tenant setting the worker's monthly report emails follow (notifications.monthlyReportEmail). */
export interface ReportSchedule {
  enabled: boolean;
  dayOfMonth: number;
  recipients: string[];
}

const KEY = { category: 'notifications', key: 'monthlyReportEmail' } as const;

function scheduleOf(value: unknown): ReportSchedule {
  const stored = (value ?? {}) as Partial<ReportSchedule>;
  return {
    enabled: stored.enabled === true,
    dayOfMonth: typeof stored.dayOfMonth === 'number' ? stored.dayOfMonth : 1,
    recipients: Array.isArray(stored.recipients) ? stored.recipients : [],
  };
}

/** Admins choose whether, on which day and to whom last month's report is emailed. */
export function EmailSchedule({ canManage }: { canManage: boolean }) {
  const settings = useQuery(trpc.settings.list.queryOptions({ category: 'notifications' }));
  return (
    <Card
      title="Monthly email"
      id="schedule"
      description="On the chosen day the worker prepares last month's report and emails a link to it."
    >
      <QueryView query={settings} loadingLabel="Loading the schedule…">
        {(list) => (
          <ScheduleForm
            key={String(list.find((setting) => setting.key === KEY.key)?.updatedAt)}
            initial={scheduleOf(list.find((setting) => setting.key === KEY.key)?.value)}
            canManage={canManage}
          />
        )}
      </QueryView>
    </Card>
  );
}

function ScheduleForm({ initial, canManage }: { initial: ReportSchedule; canManage: boolean }) {
  const queryClient = useQueryClient();
  const [enabled, setEnabled] = useState(initial.enabled);
  const [day, setDay] = useState(String(initial.dayOfMonth));
  const [recipients, setRecipients] = useState(initial.recipients.join('\n'));
  const save = useMutation(
    trpc.settings.set.mutationOptions({
      onSuccess: async () => {
        toast.success(
          enabled ? `Reports will be emailed on day ${day} of each month` : 'Monthly report emails are off',
        );
        await queryClient.invalidateQueries(trpc.settings.pathFilter());
      },
    }),
  );
  const problem = save.isError ? apiProblem(save.error) : NO_PROBLEM;
  const fieldMessage = (name: string) =>
    Object.entries(problem.fields).find(([path]) => path === `value.${name}` || path.startsWith(`value.${name}.`))?.[1];
  const addresses = recipients
    .split(/[\s,;]+/)
    .map((address) => address.trim())
    .filter(Boolean);
  if (!canManage) {
    return (
      <p className="text-sm">
        {initial.enabled
          ? `Emailed on day ${initial.dayOfMonth} of each month to ${initial.recipients.join(', ')}.`
          : 'Monthly report emails are off. An admin can turn them on.'}
      </p>
    );
  }
  return (
    <form
      noValidate
      className="grid gap-3 sm:grid-cols-2"
      onSubmit={onSubmit(() =>
        save.mutate({ ...KEY, value: { enabled, dayOfMonth: Number(day), recipients: addresses } }),
      )}
    >
      <div className="sm:col-span-2">
        <FormMessage message={problem.message} />
      </div>
      <div className="sm:col-span-2">
        <CheckboxField label="Email the report every month" checked={enabled} onCheckedChange={setEnabled} />
      </div>
      <Field
        label="Day of the month"
        inputMode="numeric"
        value={day}
        onValueChange={setDay}
        error={fieldMessage('dayOfMonth')}
        hint="1 to 28, in UTC."
      />
      <TextAreaField
        label="Recipients"
        rows={3}
        value={recipients}
        onValueChange={setRecipients}
        error={fieldMessage('recipients') ?? problem.fields.value}
        hint="One address per line."
      />
      <div className="sm:col-span-2">
        <Button type="submit" disabled={save.isPending}>
          Save schedule
        </Button>
      </div>
    </form>
  );
}
