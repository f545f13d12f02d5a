import { useState } from 'react';
import { type ApiProblem, NO_PROBLEM } from '../../lib/api-problem.js';
import { onSubmit } from '../../lib/forms.js';
import { Button } from '../../ui/button.js';
import { Dialog } from '../../ui/dialog.js';
import { Field, FormMessage } from '../../ui/field.js';

/**
 * Confirms an erasure by having the person's email address typed in: the step cannot be undone,
 * so it must not be one click. The api checks the address again and its field message lands here.
 */
export function EraseDialog(props: {
  person: { fullName: string; email: string };
  /** Erasing oneself reads differently from erasing a member. */
  self: boolean;
  busy: boolean;
  problem: ApiProblem | null;
  onConfirm: (confirmEmail: string) => void;
  onClose: () => void;
}) {
  const [typed, setTyped] = useState('');
  const problem = props.problem ?? NO_PROBLEM;
  const matches = typed.trim().toLowerCase() === props.person.email.toLowerCase();
  return (
    <Dialog
      open
      onOpenChange={(open) => !open && props.onClose()}
      title={props.self ? 'Erase your data from this organization?' : `Erase ${props.person.fullName}'s personal data?`}
      description={
        props.self
          ? 'You leave the organization at once: your sessions end, your API keys stop working, and your name and address are removed from everything here. The audit trail keeps an anonymous id. This cannot be undone.'
          : 'They lose access at once: sessions end, their API keys stop working, invitations to their address go, and their name and address are removed from everything in this organization. The audit trail keeps an anonymous id. This cannot be undone.'
      }
    >
      <form noValidate className="space-y-3" onSubmit={onSubmit(() => props.onConfirm(typed))}>
        <FormMessage message={problem.message} />
        <Field
          label={`Type ${props.person.email} to confirm`}
          type="email"
          autoComplete="off"
          value={typed}
          onValueChange={setTyped}
          error={problem.fields.confirmEmail}
        />
        <div className="flex flex-wrap justify-end gap-2">
          <Button type="button" variant="secondary" onClick={props.onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="danger" disabled={props.busy || !matches}>
            {props.busy ? 'Erasing…' : props.self ? 'Erase my data' : 'Erase personal data'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
