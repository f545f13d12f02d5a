import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Download, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { apiProblem } from '../../lib/api-problem.js';
import { downloadFile, TransferRefused } from '../../lib/file-transfer.js';
import { useFormat } from '../../lib/format.js';
import { type RouterOutputs, trpc } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { ConfirmDialog } from '../../ui/dialog.js';
import { EmptyState } from '../../ui/states.js';
import { DataTable, Pager } from '../../ui/table.js';
import { toast } from '../../ui/toast.js';
import { QueryView } from '../common/query-view.js';

type StoredFile = RouterOutputs['files']['list']['items'][number];

export const FILES_PAGE_SIZE = 20;

const uploader = (file: StoredFile) => file.uploadedByEmail ?? (file.uploadedByUserId ? 'Former member' : '—');

/** The tenant's files, newest first, a page at a time; deleting needs `canDelete`. */
export function FilesTable({ canDelete }: { canDelete: boolean }) {
  const format = useFormat();
  const queryClient = useQueryClient();
  // Cursors of the pages before this one; the first page has none.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const files = useQuery({
    ...trpc.files.list.queryOptions({ limit: FILES_PAGE_SIZE, purpose: 'upload', ...(cursor && { cursor }) }),
    placeholderData: keepPreviousData,
  });
  const [deleting, setDeleting] = useState<StoredFile | null>(null);
  const remove = useMutation(
    trpc.files.delete.mutationOptions({
      onSuccess: async () => {
        toast.success(`${deleting?.name ?? 'The file'} deleted`);
        setDeleting(null);
        await queryClient.invalidateQueries(trpc.files.pathFilter());
      },
      onError: (error) => toast.error(apiProblem(error).message),
    }),
  );
  const download = async (file: StoredFile) => {
    try {
      await downloadFile(file.id, file.name);
    } catch (error) {
      toast.error(`Could not download ${file.name}: ${error instanceof TransferRefused ? error.message : 'failed'}`);
    }
  };

  const actions = (file: StoredFile) => (
    <span className="flex flex-wrap gap-2">
      <Button variant="secondary" size="sm" aria-label={`Download ${file.name}`} onClick={() => void download(file)}>
        <Download aria-hidden="true" className="size-4" />
        <span className="hidden sm:inline">Download</span>
      </Button>
      {canDelete && (
        <Button variant="danger" size="sm" aria-label={`Delete ${file.name}`} onClick={() => setDeleting(file)}>
          <Trash2 aria-hidden="true" className="size-4" />
          <span className="hidden sm:inline">Delete</span>
        </Button>
      )}
    </span>
  );

  return (
    <Card title="Files" id="files-list">
      <QueryView
        query={files}
        loadingLabel="Loading files…"
        isEmpty={(page) => page.items.length === 0 && cursors.length === 0}
        empty={
          <EmptyState title="No files yet">
            {canDelete ? 'Upload a file above; it appears here.' : 'Files your team uploads appear here.'}
          </EmptyState>
        }
      >
        {(page) => (
          <>
            <DataTable
              caption="Files"
              rowKey={(file) => file.id}
              rows={page.items}
              columns={[
                {
                  header: 'Name',
                  rowHeader: true,
                  className: 'align-top',
                  cell: (file) => (
                    <span className="block max-w-[14rem] break-all sm:max-w-xs">
                      <span className="font-medium">{file.name}</span>
                      <span className="block text-xs text-muted-foreground sm:hidden">
                        {format.bytes(file.sizeBytes)} · {format.date(file.createdAt)}
                      </span>
                    </span>
                  ),
                },
                {
                  header: 'Size',
                  hideOnPhone: true,
                  cell: (file) => (
                    <span className="whitespace-nowrap tabular-nums">{format.bytes(file.sizeBytes)}</span>
                  ),
                },
                {
                  header: 'Type',
                  hideOnPhone: true,
                  cell: (file) => <span className="font-mono text-xs break-all">{file.contentType}</span>,
                },
                {
                  header: 'Uploaded by',
                  hideOnPhone: true,
                  cell: (file) => <span className="break-all">{uploader(file)}</span>,
                },
                {
                  header: 'Uploaded',
                  hideOnPhone: true,
                  cell: (file) => <span className="whitespace-nowrap">{format.dateTime(file.createdAt)}</span>,
                },
                { header: 'Actions', cell: actions },
              ]}
            />
            <Pager
              page={cursors.length + 1}
              hasPrevious={cursors.length > 0}
              hasNext={page.nextCursor !== null}
              onPrevious={() => setCursors((stack) => stack.slice(0, -1))}
              onNext={() => page.nextCursor && setCursors((stack) => [...stack, page.nextCursor as string])}
            />
          </>
        )}
      </QueryView>
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title={`Delete ${deleting?.name ?? 'file'}?`}
        description="The file is removed for everyone in your organization and its bytes are purged. This cannot be undone."
        confirmLabel="Delete file"
        destructive
        busy={remove.isPending}
        onConfirm={() => deleting && remove.mutate({ id: deleting.id })}
      />
    </Card>
  );
}
