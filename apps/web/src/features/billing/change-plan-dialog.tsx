import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiProblem } from '../../lib/api-problem.js';
import { useFormat } from '../../lib/format.js';
import { type TierInfo, trpc } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Dialog } from '../../ui/dialog.js';
import { FormMessage } from '../../ui/field.js';
import { ErrorState, Loading } from '../../ui/states.js';
import { toast } from '../../ui/toast.js';

/**
 * Confirming a plan change: the new price and the prorated amount for the rest of the month come
 * from the api before anything changes; a downgrade the organization does not fit says what to fix.
 */
export function ChangePlanDialog({ tier, onClose }: { tier: TierInfo; onClose: () => void }) {
  const format = useFormat();
  const queryClient = useQueryClient();
  const preview = useQuery({ ...trpc.billing.previewTierChange.queryOptions({ tier: tier.name }), staleTime: 0 });
  const change = useMutation(
    trpc.billing.changeTier.mutationOptions({
      onSuccess: async () => {
        toast.success(`Your organization is now on the ${tier.label} plan`);
        // Limits, features and permissions all follow the tier.
        await queryClient.invalidateQueries();
        onClose();
      },
    }),
  );
  const verb =
    preview.data?.kind === 'downgrade' ? 'Downgrade' : preview.data?.kind === 'upgrade' ? 'Upgrade' : 'Switch';

  return (
    <Dialog open onOpenChange={(open) => !open && onClose()} title={`${verb} to ${tier.label}`}>
      {preview.isPending ? (
        <Loading label="Working out the price…" />
      ) : preview.isError ? (
        <ErrorState message={apiProblem(preview.error).message} onRetry={() => void preview.refetch()} />
      ) : (
        <div className="space-y-4 text-sm">
          <dl className="grid grid-cols-[minmax(0,1fr)_auto] gap-x-4 gap-y-2" aria-label="Price of the change">
            <dt className="text-muted-foreground">New monthly price</dt>
            <dd className="text-right font-medium">{format.money(preview.data.monthlyPriceCents)}</dd>
            <dt className="text-muted-foreground">
              {preview.data.isTrial ? 'Paid so far (trial)' : 'Current monthly price'}
            </dt>
            <dd className="text-right">{format.money(preview.data.previousMonthlyPriceCents)}</dd>
            <dt className="text-muted-foreground">
              {preview.data.proratedAmountCents >= 0 ? 'Charged now' : 'Credited'} for the rest of the month (until{' '}
              {format.date(preview.data.periodEnd)})
            </dt>
            <dd className="text-right font-medium">{format.money(Math.abs(preview.data.proratedAmountCents))}</dd>
          </dl>
          {preview.data.problems.length > 0 && (
            <div role="alert" className="rounded-md bg-danger-soft p-3 text-danger">
              <p className="font-medium">Your organization does not fit the {tier.label} plan yet:</p>
              <ul className="mt-1 list-disc pl-5">
                {preview.data.problems.map((problem) => (
                  <li key={problem.limit}>
                    {problem.limit === 'seats' ? 'Seats' : 'Storage (GB)'}: {problem.current} used, {problem.allowed}{' '}
                    allowed — {problem.fix}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <FormMessage message={change.isError ? apiProblem(change.error).message : ''} />
          <div className="flex flex-wrap justify-end gap-2">
            <Button variant="secondary" onClick={onClose}>
              Cancel
            </Button>
            <Button
              onClick={() => change.mutate({ tier: tier.name })}
              disabled={change.isPending || preview.data.problems.length > 0}
            >
              {change.isPending ? 'Changing…' : `Confirm ${verb.toLowerCase()}`}
            </Button>
          </div>
        </div>
      )}
    </Dialog>
  );
}
