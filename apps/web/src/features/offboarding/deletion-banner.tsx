import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useFormat } from '../../lib/format.js';
import { usePermissions } from '../../lib/permissions.js';
import { trpc } from '../../lib/trpc.js';
import { daysLabel, daysUntil } from './deletion-date.js';

/**
 * Shown to every member on every screen while the organization waits for its deletion: when, that
 * it is read-only until then, and (to those who may) where to cancel.
 */
export function DeletionBanner() {
  const { can } = usePermissions();
  const format = useFormat();
  const offboarding = useQuery({ ...trpc.offboarding.get.queryOptions(), enabled: can('tenant.read') });
  const schedule = offboarding.data?.schedule;
  if (!schedule) return null;
  return (
    <section
      aria-label="Scheduled deletion"
      className="mx-auto mb-5 flex w-full max-w-6xl flex-wrap items-center justify-between gap-3 rounded-lg border border-danger/40 bg-danger-soft px-4 py-3"
    >
      <p className="text-sm text-danger">
        <strong>
          This organization is scheduled for deletion on {format.date(schedule.deleteAt)} (
          {daysLabel(daysUntil(schedule.deleteAt))} left).
        </strong>{' '}
        It is read-only until then: you can sign in, read everything and export its data, but not change anything.
      </p>
      {can('tenant.update') && (
        <Link to="/settings/deletion" className="text-sm font-medium text-danger">
          Review or cancel the deletion
        </Link>
      )}
    </section>
  );
}
