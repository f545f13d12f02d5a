import { useMutation, useQuery } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { useState } from 'react';
import { QueryView } from '../features/common/query-view.js';
import { EraseDialog } from '../features/data-rights/erase-dialog.js';
import { type DataExport, ExportsCard, STATUS, useArchiveDownload } from '../features/data-rights/exports-card.js';
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
      {highlight && <FromEmail exportId={highlight} tenantExports={can('data.export')} />}
      {can('data.export') && <ExportsCard scope="tenant" highlight={highlight} />}
      <ExportsCard scope="personal" highlight={highlight} />
      <EraseMyData />
    </Page>
  );
}

/** The archive a "your export is ready" email named, one click from its download. */
function FromEmail(props: { exportId: string; tenantExports: boolean }) {
  const organization = useQuery({ ...trpc.data.exports.queryOptions(), enabled: props.tenantExports });
  const mine = useQuery(trpc.data.myExports.queryOptions());
  const { downloading, download } = useArchiveDownload();
  const named = [...(organization.data ?? []), ...(mine.data ?? [])].find(
    (row: DataExport) => row.id === props.exportId,
  );
  if (!named) return null;
  return (
    <Card title="The export from your email" id="from-email">
      {named.status === 'ready' ? (
        <Button onClick={() => void download(named.id)} disabled={downloading === named.id}>
          Download the archive
        </Button>
      ) : (
        <p className="text-sm text-muted-foreground">
          This export is {STATUS[named.status].label.toLowerCase()}
          {named.status === 'expired' ? ': request a new one below.' : '.'}
        </p>
      )}
    </Card>
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
