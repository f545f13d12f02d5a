import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem, NO_PROBLEM } from '../../lib/api-problem.js';
import { useFormat } from '../../lib/format.js';
import { onSubmit } from '../../lib/forms.js';
import { useSignedInSession } from '../../lib/session.js';
import { type RouterOutputs, trpc } from '../../lib/trpc.js';
import { Badge } from '../../ui/badge.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { FormMessage, TextAreaField } from '../../ui/field.js';
import { toast } from '../../ui/toast.js';
import { PRIORITY_TONES } from './labels.js';

type Ticket = RouterOutputs['support']['get'];

const RATINGS = [
  { value: 1, label: '1, poor' },
  { value: 2, label: '2' },
  { value: 3, label: '3' },
  { value: 4, label: '4' },
  { value: 5, label: '5, excellent' },
];

/** The conversation of one ticket; replies from support arrive live. */
export function TicketThread({ ticket }: { ticket: Ticket }) {
  const format = useFormat();
  const session = useSignedInSession();
  const isOpener = ticket.openedBy?.userId === session.userId;
  return (
    <>
      <Card title="Conversation" id="conversation">
        <div className="mb-3 flex flex-wrap items-center gap-2 text-sm">
          <Badge tone={ticket.status === 'open' ? 'warning' : 'success'}>
            {ticket.status === 'open' ? 'Open' : 'Resolved'}
          </Badge>
          <Badge tone={PRIORITY_TONES[ticket.priority]}>{ticket.priority} priority</Badge>
          <span className="text-muted-foreground">Assigned to {ticket.assignedTo?.fullName ?? 'nobody yet'}</span>
        </div>
        <ol className="space-y-3" aria-label="Messages">
          <li className="rounded-md bg-muted p-3 text-sm">
            <p className="text-xs text-muted-foreground">
              {ticket.openedBy?.fullName ?? 'A former member'} · {format.dateTime(ticket.createdAt)}
            </p>
            <p className="mt-1 whitespace-pre-wrap">{ticket.body}</p>
          </li>
          {ticket.messages.map((message) => (
            <li
              key={message.id}
              className={
                message.fromSupport ? 'rounded-md border border-border p-3 text-sm' : 'rounded-md bg-muted p-3 text-sm'
              }
            >
              <p className="text-xs text-muted-foreground">
                {message.author?.fullName ?? 'A former member'}
                {message.fromSupport ? ' (support)' : ''} · {format.dateTime(message.createdAt)}
              </p>
              <p className="mt-1 whitespace-pre-wrap">{message.body}</p>
            </li>
          ))}
        </ol>
      </Card>
      {ticket.status === 'open' ? (
        <ReplyForm ticket={ticket} />
      ) : (
        isOpener && ticket.satisfactionRating === null && <RateTicket ticket={ticket} />
      )}
      {ticket.satisfactionRating !== null && (
        <p className="text-sm text-muted-foreground">Rated {ticket.satisfactionRating} of 5. Thank you.</p>
      )}
    </>
  );
}

function useRefreshTickets() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries(trpc.support.pathFilter());
}

function ReplyForm({ ticket }: { ticket: Ticket }) {
  const refresh = useRefreshTickets();
  const [body, setBody] = useState('');
  const reply = useMutation(
    trpc.support.reply.mutationOptions({
      onSuccess: async () => {
        setBody('');
        await refresh();
      },
    }),
  );
  const resolve = useMutation(
    trpc.support.resolve.mutationOptions({
      onSuccess: async () => {
        toast.success('Ticket resolved');
        await refresh();
      },
      onError: (error) => toast.error(apiProblem(error).message),
    }),
  );
  const problem = reply.isError ? apiProblem(reply.error) : NO_PROBLEM;
  return (
    <Card title="Reply" id="reply">
      <form
        noValidate
        className="space-y-3"
        onSubmit={onSubmit(() => reply.mutate({ ticketId: ticket.id, body: body.trim() }))}
      >
        <FormMessage message={problem.message} />
        <TextAreaField label="Your reply" rows={4} value={body} onValueChange={setBody} error={problem.fields.body} />
        <div className="flex flex-wrap gap-2">
          <Button type="submit" disabled={reply.isPending}>
            Send reply
          </Button>
          <Button
            variant="secondary"
            disabled={resolve.isPending}
            onClick={() => resolve.mutate({ ticketId: ticket.id })}
          >
            Mark as resolved
          </Button>
        </div>
      </form>
    </Card>
  );
}

function RateTicket({ ticket }: { ticket: Ticket }) {
  const refresh = useRefreshTickets();
  const [rating, setRating] = useState<number | null>(null);
  const rate = useMutation(
    trpc.support.rate.mutationOptions({
      onSuccess: async () => {
        toast.success('Thank you for rating the answer');
        await refresh();
      },
    }),
  );
  const problem = rate.isError ? apiProblem(rate.error) : NO_PROBLEM;
  return (
    <Card title="How did we do?" id="rate">
      <form
        noValidate
        className="space-y-3"
        onSubmit={onSubmit(() => rating !== null && rate.mutate({ ticketId: ticket.id, rating }))}
      >
        <FormMessage message={problem.message || (problem.fields.rating ?? '')} />
        <fieldset>
          <legend className="text-sm font-medium">Rate the answer from 1 to 5</legend>
          <div className="mt-2 flex flex-wrap gap-3">
            {RATINGS.map((option) => (
              <label key={option.value} className="flex items-center gap-1.5 text-sm">
                <input
                  type="radio"
                  name="rating"
                  value={option.value}
                  className="h-4 w-4 accent-primary"
                  checked={rating === option.value}
                  onChange={() => setRating(option.value)}
                />
                {option.label}
              </label>
            ))}
          </div>
        </fieldset>
        <Button type="submit" disabled={rating === null || rate.isPending}>
          Send rating
        </Button>
      </form>
    </Card>
  );
}
