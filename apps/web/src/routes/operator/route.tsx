import { createFileRoute, Outlet } from '@tanstack/react-router';
import { useSignedInSession } from '../../lib/session.js';
import { Page } from '../../ui/page.js';

export const Route = createFileRoute('/operator')({
  component: OperatorArea,
});

/** The operator console is for platform operators only (the api refuses everyone else too). */
function OperatorArea() {
  const session = useSignedInSession();
  if (!session.platformOperator) {
    return (
      <Page
        title="Operators only"
        description="These pages are for the platform's operators. Your account is a member of organizations only."
      >
        {null}
      </Page>
    );
  }
  return <Outlet />;
}
