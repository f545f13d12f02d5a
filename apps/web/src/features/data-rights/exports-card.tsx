import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Download } from 'lucide-react';
import { useState } from 'react';
import { apiProblem } from '../../lib/api-problem.js';
import { useFormat } from '../../lib/format.js';
import { type RouterOutputs, trpc, trpcClient } from '../../lib/trpc.js';
import { Badge, type BadgeTone } from '../../ui/badge.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { cn } from '../../ui/cn.js';
import { ProgressBar } from '../../ui/progress.js';
import { EmptyState } from '../../ui/states.js';
import { DataTable } from '../../ui/table.js';
import { toast } from '../../ui/toast.js';
import { QueryView } from '../common/query-view.js';

export type DataExport = RouterOutputs['data']['exports'][number];

export const STATUS: Record<DataExport['status'], { label: string; tone: BadgeTone }> = {
  queued: { label: 'Queued', tone: 'neutral' },
  building: { label: 'Building', tone: 'warning' },
  ready: { label: 'Ready', tone: 'success' },
  failed: { label: 'Failed', tone: 'danger' },
  expired: { label: 'Expired', tone: 'neutral' },
};

function megabytes(bytes: number | null): string {
  if (bytes === null) return '—';
  return bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

/**
 * Downloads an archive: asks for a 15-minute link and lets the browser follow it. `downloading`
 * names the export whose link is being fetched.
 */
export function useArchiveDownload(): { downloading: string | null; download: (exportId: string) => Promise<void> } {
  const [downloading, setDownloading] = useState<string | null>(null);
  const download = async (exportId: string) => {
    setDownloading(exportId);
    try {
      const { url } = await trpcClient.data.downloadLink.mutate({ exportId });
      window.location.assign(url);
    } catch (error) {
      toast.error(`Could not download the export: ${apiProblem(error).message}`);
    } finally {
      setDownloading(null);
    }
  };
  return { downloading, download };
}

/**
 * A list of export archives with a button to request one: the organization's (`tenant`, for
 * data.export holders) or the caller's own (`personal`). Progress arrives live on the tab's
 * event stream, which patches these queries (see lib/live-events.ts).
 */
export function ExportsCard(props: { scope: 'tenant' | 'personal'; highlight?: string }) {
  const queryClient = useQueryClient();
  const format = useFormat();
  const tenantScope = props.scope === 'tenant';
  const list = useQuery(tenantScope ? trpc.data.exports.queryOptions() : trpc.data.myExports.queryOptions());
  const { downloading, download } = useArchiveDownload();
  const request = useMutation({
    mutationFn: () =>
      tenantScope ? trpcClient.data.requestExport.mutate() : trpcClient.data.requestPersonalExport.mutate(),
    onSuccess: async () => {
      toast.success('The export is being prepared; it appears below and you get an email when it is ready.');
      await queryClient.invalidateQueries(trpc.data.pathFilter());
    },
    onError: (error) => toast.error(apiProblem(error).message),
  });
  const busy = list.data?.some((row) => row.status === 'queued' || row.status === 'building') ?? false;
  const what = tenantScope ? 'organization export' : 'personal export';
  const caption = tenantScope ? 'Organization exports' : 'Your exports';
  return (
    <Card
      title={tenantScope ? 'Export the organization' : 'Export my data'}
      id={tenantScope ? 'tenant-exports' : 'personal-exports'}
      description={
        tenantScope
          ? 'One archive with every table of your organization and every stored file, with a manifest and checksums.'
          : 'One archive with your own data in this organization: your account, membership, activity, sessions, keys and the files you uploaded.'
      }
      actions={
        <Button onClick={() => request.mutate()} disabled={request.isPending || busy}>
          {request.isPending ? 'Requesting…' : tenantScope ? 'Request export' : 'Export my data'}
        </Button>
      }
    >
      <QueryView
        query={list}
        loadingLabel="Loading exports…"
        isEmpty={(rows) => rows.length === 0}
        empty={<EmptyState title="No exports yet">Request one: it is built in the background.</EmptyState>}
      >
        {(rows) => {
          const label = (row: DataExport) => `the ${what} of ${format.dateTime(row.requestedAt)}`;
          const status = (row: DataExport) =>
            row.status === 'queued' || row.status === 'building' ? (
              <div className="space-y-1">
                <Badge tone={STATUS[row.status].tone}>{STATUS[row.status].label}</Badge>
                <ProgressBar label={`Progress of ${label(row)}`} value={row.progress} />
              </div>
            ) : (
              <Badge tone={STATUS[row.status].tone}>{STATUS[row.status].label}</Badge>
            );
          const archive = (row: DataExport) =>
            row.status === 'ready' ? (
              <Button
                size="sm"
                variant="secondary"
                disabled={downloading === row.id}
                aria-label={`Download ${label(row)}`}
                onClick={() => void download(row.id)}
              >
                <Download aria-hidden="true" className="h-4 w-4" /> Download
              </Button>
            ) : row.status === 'failed' ? (
              <span className="text-xs text-danger">{row.error}</span>
            ) : null;
          const requested = (row: DataExport) => (
            <span className={cn(row.id === props.highlight && 'font-semibold text-primary')}>
              {format.dateTime(row.requestedAt)}
            </span>
          );
          return (
            <>
              {/* Phones get one block per export: five columns do not fit 390 px. */}
              <ul aria-label={caption} className="divide-y divide-border sm:hidden">
                {rows.map((row) => (
                  <li key={row.id} className="space-y-2 py-3 text-sm">
                    <div className="flex items-center justify-between gap-2">
                      {requested(row)}
                      <span className="text-xs text-muted-foreground">{megabytes(row.sizeBytes)}</span>
                    </div>
                    {status(row)}
                    {archive(row)}
                  </li>
                ))}
              </ul>
              <div className="hidden sm:block">
                <DataTable
                  caption={caption}
                  captionHidden
                  rowKey={(row) => row.id}
                  rows={rows}
                  columns={[
                    { header: 'Requested', rowHeader: true, className: 'whitespace-nowrap', cell: requested },
                    { header: 'Status', cell: status },
                    { header: 'Size', cell: (row) => megabytes(row.sizeBytes) },
                    {
                      header: 'Available until',
                      cell: (row) => (row.expiresAt && row.status === 'ready' ? format.dateTime(row.expiresAt) : '—'),
                    },
                    { header: 'Archive', cell: archive },
                  ]}
                />
              </div>
            </>
          );
        }}
      </QueryView>
    </Card>
  );
}
