import { ShieldCheck } from 'lucide-react';
import { useSignedInSession } from '../../lib/session.js';

/** Platform operators see, on every page, that they act with platform-wide powers. */
export function OperatorBadge() {
  const session = useSignedInSession();
  if (!session.platformOperator) return null;
  return (
    <span className="inline-flex shrink-0 items-center gap-1 rounded-full bg-warning-soft px-2 py-1 text-xs font-medium text-warning max-sm:capitalize">
      <ShieldCheck aria-hidden="true" className="h-3.5 w-3.5" />
      {/* On a phone the organization's name needs the room; the badge still reads in full to a screen reader. */}
      <span className="max-sm:sr-only">Platform </span>operator
    </span>
  );
}
