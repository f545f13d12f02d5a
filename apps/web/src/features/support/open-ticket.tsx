import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { apiProblem, NO_PROBLEM } from '../../lib/api-problem.js';
import { onSubmit } from '../../lib/forms.js';
import { trpc } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { Field, FormMessage, SelectField, TextAreaField } from '../../ui/field.js';
import { toast } from '../../ui/toast.js';
import { PRIORITY_OPTIONS, type Priority } from './labels.js';

/** A new ticket: what it is about, the details, how urgent. */
export function OpenTicket() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [priority, setPriority] = useState<Priority>('normal');
  const open = useMutation(
    trpc.support.open.mutationOptions({
      onSuccess: async (ticket) => {
        toast.success('Ticket opened: our team answers here and by the live updates.');
        await queryClient.invalidateQueries(trpc.support.pathFilter());
        await navigate({ to: '/support/$ticketId', params: { ticketId: ticket.id } });
      },
    }),
  );
  const problem = open.isError ? apiProblem(open.error) : NO_PROBLEM;
  return (
    <Card title="Open a ticket" id="open-ticket">
      <form
        noValidate
        className="grid gap-3 sm:grid-cols-[minmax(0,3fr)_minmax(0,1fr)]"
        onSubmit={onSubmit(() => open.mutate({ subject: subject.trim(), body: body.trim(), priority }))}
      >
        <div className="sm:col-span-2">
          <FormMessage message={problem.message} />
        </div>
        <Field label="Subject" value={subject} onValueChange={setSubject} error={problem.fields.subject} />
        <SelectField
          label="Priority"
          value={priority}
          onValueChange={(value) => setPriority(value as Priority)}
          options={PRIORITY_OPTIONS}
          error={problem.fields.priority}
        />
        <TextAreaField
          label="What happened"
          className="sm:col-span-2"
          rows={5}
          value={body}
          onValueChange={setBody}
          error={problem.fields.body}
        />
        <div className="sm:col-span-2">
          <Button type="submit" disabled={open.isPending}>
            {open.isPending ? 'Opening…' : 'Open ticket'}
          </Button>
        </div>
      </form>
    </Card>
  );
}
