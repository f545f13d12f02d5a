import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem, NO_PROBLEM } from '../../lib/api-problem.js';
import { onSubmit } from '../../lib/forms.js';
import { type Tenant, trpc } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Dialog } from '../../ui/dialog.js';
import { FormMessage, TextAreaField } from '../../ui/field.js';
import { toast } from '../../ui/toast.js';

/**
 * Suspending or reactivating a tenant, with the reason the audit log and the tenant's members see
 * ("This organization is suspended: <reason>").
 */
export function StandingDialog({ tenant, onClose }: { tenant: Tenant; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const suspending = tenant.isActive;
  const done = async () => {
    toast.success(suspending ? `${tenant.name} is suspended` : `${tenant.name} is active again`);
    await queryClient.invalidateQueries();
    onClose();
  };
  const suspend = useMutation(trpc.tenants.suspend.mutationOptions({ onSuccess: done }));
  const reactivate = useMutation(trpc.tenants.reactivate.mutationOptions({ onSuccess: done }));
  const mutation = suspending ? suspend : reactivate;
  const problem = mutation.isError ? apiProblem(mutation.error) : NO_PROBLEM;
  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title={suspending ? `Suspend ${tenant.name}` : `Reactivate ${tenant.name}`}
      description={
        suspending
          ? 'Its members and API keys are refused at once and signed out; its data is kept.'
          : 'Its members and API keys work again.'
      }
    >
      <form
        noValidate
        className="space-y-3"
        onSubmit={onSubmit(() => mutation.mutate({ tenantId: tenant.id, reason: reason.trim() }))}
      >
        <FormMessage message={problem.message} />
        <TextAreaField
          label="Reason"
          hint={
            suspending
              ? 'Shown to its members when they are signed out, and kept in the audit log.'
              : 'Kept in the audit log.'
          }
          rows={3}
          value={reason}
          onValueChange={setReason}
          error={problem.fields.reason}
        />
        <div className="flex flex-wrap justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant={suspending ? 'danger' : 'primary'} disabled={mutation.isPending}>
            {suspending ? 'Suspend tenant' : 'Reactivate tenant'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
