import { createFileRoute } from '@tanstack/react-router';
import { RestoreArchive } from '../../features/operator/restore-archive.js';
import { Page } from '../../ui/page.js';

export const Route = createFileRoute('/operator/restores')({
  component: RestoresPage,
});

function RestoresPage() {
  return (
    <Page
      title="Restores"
      description="Bring an organization back, or move it here, from its export archive. The original stays as it is."
    >
      <RestoreArchive />
    </Page>
  );
}
