import { createFileRoute } from '@tanstack/react-router';
import { InvitationsCard } from '../features/team/invitations-card.js';
import { InviteForm } from '../features/team/invite-form.js';
import { MembersCard } from '../features/team/members-card.js';
import { usePermissions } from '../lib/permissions.js';
import { Page } from '../ui/page.js';

export const Route = createFileRoute('/team')({
  component: TeamPage,
});

/** Members and invitations; changes made elsewhere arrive through the live event stream. */
function TeamPage() {
  const { can } = usePermissions();
  return (
    <Page title="Team" description="Who belongs to your organization, and who is invited.">
      {can('users.invite') && <InviteForm />}
      <MembersCard />
      {can('users.invite') && <InvitationsCard />}
    </Page>
  );
}
