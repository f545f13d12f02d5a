import { useQuery } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { QueryView } from '../features/common/query-view.js';
import { FilesTable } from '../features/files/files-table.js';
import { UploadPanel } from '../features/files/upload-panel.js';
import { useFormat } from '../lib/format.js';
import { usePermissions } from '../lib/permissions.js';
import { trpc } from '../lib/trpc.js';
import { Card } from '../ui/card.js';
import { Gauge } from '../ui/gauge.js';
import { Page } from '../ui/page.js';
import { Loading } from '../ui/states.js';

export const Route = createFileRoute('/files')({
  component: FilesPage,
});

/** The organization's files and what they use of the plan's storage; live through file.changed. */
function FilesPage() {
  const format = useFormat();
  const { can, loaded } = usePermissions();
  const quota = useQuery(trpc.files.quota.queryOptions());
  const manage = can('files.manage');
  return (
    <Page
      title="Files"
      description="Documents your organization keeps here, with what they use of your plan's storage."
    >
      <QueryView query={quota} loadingLabel="Loading storage…">
        {(storage) => (
          <div className="grid gap-4 md:grid-cols-[minmax(0,20rem)_minmax(0,1fr)]">
            <div className="space-y-2">
              <Gauge
                label="Storage"
                value={storage.usedBytes}
                limit={storage.limitBytes}
                percent={
                  storage.limitBytes > 0 ? Math.round((storage.usedBytes / storage.limitBytes) * 1000) / 10 : 100
                }
                valueText={format.bytes(storage.usedBytes)}
                limitText={format.bytes(storage.limitBytes)}
              />
              <p className="px-1 text-xs text-muted-foreground">
                Files {format.bytes(storage.fileBytes)} · data {format.bytes(storage.databaseBytes)}
                {storage.reservedBytes > 0 && ` · uploading ${format.bytes(storage.reservedBytes)}`} ·{' '}
                {format.bytes(storage.availableBytes)} left
              </p>
            </div>
            {!loaded ? (
              <Loading label="Loading…" />
            ) : manage ? (
              <UploadPanel availableBytes={storage.availableBytes} />
            ) : (
              <Card title="Upload" id="files-upload">
                <p className="text-sm text-muted-foreground">
                  Your role can view and download files. Uploading and deleting them needs the files.manage permission;
                  ask an admin of your organization.
                </p>
              </Card>
            )}
          </div>
        )}
      </QueryView>
      <FilesTable canDelete={manage} />
    </Page>
  );
}
