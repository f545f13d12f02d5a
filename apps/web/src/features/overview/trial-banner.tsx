import { Link } from '@tanstack/react-router';
import type { Tenant } from '../../lib/trpc.js';
import { buttonClass } from '../../ui/button.js';
import { tierLabel } from '../common/upgrade-prompt.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whole days left, counted from the server's end date (never negative). */
export function trialDaysLeft(trialEndsAt: string, now = Date.now()): number {
  return Math.max(0, Math.ceil((new Date(trialEndsAt).getTime() - now) / DAY_MS));
}

export function TrialBanner({ tenant, canManageBilling }: { tenant: Tenant; canManageBilling: boolean }) {
  if (!tenant.isTrial || !tenant.trialEndsAt) return null;
  const days = trialDaysLeft(tenant.trialEndsAt);
  return (
    <section
      aria-label="Trial"
      className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-border bg-warning-soft px-4 py-3"
    >
      <p className="text-sm text-warning">
        <strong>
          {days === 1 ? '1 day' : `${days} days`} left in your {tierLabel(tenant.subscriptionTier)} trial.
        </strong>{' '}
        Choose a plan to keep your data and limits when it ends.
      </p>
      {canManageBilling && (
        <Link to="/billing" className={buttonClass('primary', 'sm')}>
          Choose a plan
        </Link>
      )}
    </section>
  );
}
