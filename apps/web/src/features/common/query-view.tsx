import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { apiProblem, requiredTierOf } from '../../lib/api-problem.js';
import { ErrorState, Loading } from '../../ui/states.js';
import { UpgradePrompt } from './upgrade-prompt.js';

/**
 * The states every query has: loading, failed (the api's words and Try again), locked behind a
 * tier (the upgrade prompt), empty (when `isEmpty` says so), and loaded.
 */
export function QueryView<T, E>(props: {
  query: UseQueryResult<T, E>;
  children: (data: T) => ReactNode;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  loadingLabel?: string;
  errorTitle?: string;
}) {
  const { query } = props;
  if (query.isPending) return <Loading label={props.loadingLabel} />;
  if (query.isError) {
    const problem = apiProblem(query.error);
    const locked = requiredTierOf(problem);
    if (locked) return <UpgradePrompt tier={locked.tier} feature={locked.feature} />;
    return (
      <ErrorState
        title={props.errorTitle}
        message={problem.message}
        onRetry={() => void query.refetch()}
        retrying={query.isFetching}
      />
    );
  }
  if (props.isEmpty?.(query.data)) return <>{props.empty}</>;
  return <>{props.children(query.data)}</>;
}
