import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { type RouterOutputs, trpc } from '../../lib/trpc.js';
import { Loading } from '../../ui/states.js';
import { QueryView } from './query-view.js';
import { UpgradePrompt } from './upgrade-prompt.js';

type Feature = RouterOutputs['features']['list'][number]['feature'];

/**
 * Renders its children only while the organization has the feature, else the shared upgrade
 * prompt. It reads `features.list`, which the live stream refreshes on every plan or override
 * change, so a screen opens or locks the moment an operator or an upgrade changes it.
 */
export function FeatureGate({ feature, children }: { feature: Feature; children: ReactNode }) {
  const features = useQuery(trpc.features.list.queryOptions());
  return (
    <QueryView query={features} loadingLabel="Loading…">
      {(list) => {
        const status = list.find((candidate) => candidate.feature === feature);
        if (!status) return <Loading />;
        if (!status.enabled) return <UpgradePrompt tier={status.requiredTier} feature={status.label} />;
        return <>{children}</>;
      }}
    </QueryView>
  );
}
