import { createFileRoute } from '@tanstack/react-router';
import { DeletedTenants } from '../../../features/offboarding/deleted-tenants.js';
import { TenantsTable } from '../../../features/operator/tenants-table.js';
import { Page } from '../../../ui/page.js';

export const Route = createFileRoute('/operator/tenants/')({
  component: TenantsPage,
});

function TenantsPage() {
  return (
    <Page title="Tenants" description="Every organization on the platform: find one, check its health, act on it.">
      <TenantsTable />
      <DeletedTenants />
    </Page>
  );
}
