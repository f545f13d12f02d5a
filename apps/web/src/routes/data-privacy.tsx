import { useMutation, useQuery } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { useState } from 'react';
import { QueryView } from '../features/common/query-view.js';
import { EraseDialog } from '../features/data-rights/erase-dialog.js';
import { ExportsCard } from '../features/data-rights/exports-card.js';
import { apiProblem } from '../lib/api-problem.js';
import { usePermissions } from '../lib/permissions.js';
import { optionalString } from '../lib/search.js';
import { signOut } from '../lib/session.js';
import { trpc, trpcClient } from '../lib/trpc.js';
import { Button } from '../ui/button.js';
import { Card } from '../ui/card.js';
import { Page } from '../ui/page.js';
import { toast } from '../ui/toast.js';

export const Route = createFileRoute('/data-privacy')({
  // `export` names the archive a "your export is ready" email links to.
  validateSearch: (search: Record<string, unknown>): { export?: string } => ({
    export: optionalString(search, 'export'),
  }),
  component: DataPrivacyPage,
});

/** GDPR rights in one place: export the organization (admins), export or erase your own data (everyone). */
function DataPrivacyPage() {
  const { can } = usePermissions();
  const { export: highlight } = Route.useSearch();
  return (
    <Page
      title="Data & privacy"
      description="Take your data with you, or have your personal data erased. Download links work for 15 minutes; archives are kept for 7 days."
    >
      {can('data.export') && <ExportsCard scope="tenant" highlight={highlight} />}
      <ExportsCard scope="personal" highlight={highlight} />
      <EraseMyData />
    </Page>
  );
}

function EraseMyData() {
  const profile = useQuery(trpc.auth.profile.queryOptions());
  const [confirming, setConfirming] = useState(false);
  const erase = useMutation({
    mutationFn: (confirmEmail: string) => trpcClient.data.eraseMe.mutate({ confirmEmail }),
    onSuccess: async () => {
      toast.success('Your data was erased from this organization.');
      await signOut();
    },
  });
  return (
    <Card
      title="Erase my data"
      id="erase-me"
      description="Leave this organization and have your personal data here erased. Your other organizations are not affected."
    >
      <QueryView query={profile} loadingLabel="Loading your profile…">
        {(me) => (
          <>
            <Button variant="danger" onClick={() => setConfirming(true)}>
              Erase my data…
            </Button>
            {confirming && (
              <EraseDialog
                self
                person={me}
                busy={erase.isPending}
                problem={erase.isError ? apiProblem(erase.error) : null}
                onConfirm={(confirmEmail) => erase.mutate(confirmEmail)}
                onClose={() => {
                  setConfirming(false);
                  erase.reset();
                }}
              />
            )}
          </>
        )}
      </QueryView>
    </Card>
  );
}
