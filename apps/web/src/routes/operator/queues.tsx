import { createFileRoute } from '@tanstack/react-router';
import { Queues } from '../../features/operator/queues.js';
import { Page } from '../../ui/page.js';

export const Route = createFileRoute('/operator/queues')({
  component: QueuesPage,
});

function QueuesPage() {
  return (
    <Page title="Queues" description="Background work: what is waiting, running and failing.">
      <Queues />
    </Page>
  );
}
