import { createFileRoute } from '@tanstack/react-router';
import { MfaCard } from '../features/account/mfa-card.js';
import { PasswordCard } from '../features/account/password-card.js';
import { ProfileCard } from '../features/account/profile-card.js';
import { SessionsCard } from '../features/account/sessions-card.js';
import { Page } from '../ui/page.js';

export const Route = createFileRoute('/account')({
  component: AccountPage,
});

/** The signed-in person's own account: profile, password, two-factor, sessions. */
function AccountPage() {
  return (
    <Page title="Your account" description="Your profile and how you sign in.">
      <ProfileCard />
      <PasswordCard />
      <MfaCard />
      <SessionsCard />
    </Page>
  );
}
