import { useQuery } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { UpgradePrompt } from '../features/common/upgrade-prompt.js';
import { ApiKeysTable } from '../features/developers/api-keys-table.js';
import { CreateKeyForm } from '../features/developers/create-key-form.js';
import { usePermissions } from '../lib/permissions.js';
import { trpc } from '../lib/trpc.js';
import { Page } from '../ui/page.js';
import { ErrorState, Loading } from '../ui/states.js';

export const Route = createFileRoute('/developers')({
  component: DevelopersPage,
});

function DevelopersPage() {
  const { can, loaded } = usePermissions();
  const features = useQuery(trpc.features.list.queryOptions());
  const apiAccess = features.data?.find((feature) => feature.feature === 'api_access');
  return (
    <Page title="Developers" description="API keys for calling the api from your own systems.">
      {!loaded || features.isPending ? (
        <Loading label="Loading…" />
      ) : !can('apikeys.manage') ? (
        <ErrorState
          title="Not available to your role"
          message="Managing API keys needs the apikeys.manage permission."
        />
      ) : (
        <>
          {apiAccess && !apiAccess.enabled ? (
            <UpgradePrompt tier={apiAccess.requiredTier} feature={apiAccess.label} />
          ) : (
            <CreateKeyForm />
          )}
          <ApiKeysTable />
        </>
      )}
    </Page>
  );
}
