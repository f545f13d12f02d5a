import { Link } from '@tanstack/react-router';
import { Lock } from 'lucide-react';
import { buttonClass } from '../../ui/button.js';

const TIER_LABELS: Record<string, string> = { basic: 'Basic', professional: 'Professional', enterprise: 'Enterprise' };

export function tierLabel(tier: string): string {
  return TIER_LABELS[tier] ?? tier;
}

/**
 * The one prompt every locked feature shows: what is locked, the tier that has it, and the way to
 * upgrade. Built from a refusal's `requiredTier`, never from a raw error.
 */
export function UpgradePrompt({ tier, feature }: { tier: string; feature: string | null }) {
  return (
    <section aria-label="Upgrade required" className="rounded-lg border border-border bg-card p-5">
      <div className="flex items-start gap-3">
        <Lock aria-hidden="true" className="mt-0.5 h-5 w-5 shrink-0 text-muted-foreground" />
        <div className="min-w-0">
          <p className="font-medium">
            {feature ?? 'This feature'} is available on the {tierLabel(tier)} plan
          </p>
          <p className="mt-1 text-sm text-muted-foreground">
            Upgrade your organization to {tierLabel(tier)} to use it. You see the price difference before anything
            changes.
          </p>
          <Link to="/billing" className={`${buttonClass('primary', 'sm')} mt-3`}>
            Upgrade to {tierLabel(tier)}
          </Link>
        </div>
      </div>
    </section>
  );
}
