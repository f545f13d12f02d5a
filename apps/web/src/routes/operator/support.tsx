import { createFileRoute } from '@tanstack/react-router';
import { SupportInbox } from '../../features/operator/support-inbox.js';
import { Page } from '../../ui/page.js';

export const Route = createFileRoute('/operator/support')({
  component: SupportInboxPage,
});

function SupportInboxPage() {
  return (
    <Page
      title="Support inbox"
      description="Tickets from every tenant. Answering one is an audited entry into that tenant."
    >
      <SupportInbox />
    </Page>
  );
}
