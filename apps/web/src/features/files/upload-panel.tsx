import { useQueryClient } from '@tanstack/react-query';
import { Upload } from 'lucide-react';
import { type ChangeEvent, type DragEvent, useEffect, useRef, useState } from 'react';
import { TransferRefused, uploadFile } from '../../lib/file-transfer.js';
import { useFormat } from '../../lib/format.js';
import { trpc } from '../../lib/trpc.js';
import { buttonClass } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { cn } from '../../ui/cn.js';
import { ProgressBar } from '../../ui/progress.js';

type UploadStatus = 'waiting' | 'uploading' | 'done' | 'refused';

interface UploadItem {
  key: string;
  file: File;
  loaded: number;
  status: UploadStatus;
  message: string;
}

let nextKey = 0;

/** What the person reads when a file would not fit: the sizes in words, not a code. */
function overQuota(file: File, available: number, format: ReturnType<typeof useFormat>): string {
  return `Not uploaded: ${file.name} (${format.bytes(file.size)}) would exceed your storage quota; ${format.bytes(available)} left.`;
}

/**
 * Upload of several files at once, from a picker or dropped onto the zone, one after the other,
 * each with its own progress bar. A file that would not fit in what the quota has left is refused
 * here before any byte is sent; the api refuses it too (another member may have filled the quota
 * since this page loaded), and its words are shown the same way.
 */
export function UploadPanel({ availableBytes }: { availableBytes: number }) {
  const format = useFormat();
  const queryClient = useQueryClient();
  const [items, setItems] = useState<UploadItem[]>([]);
  const [dragging, setDragging] = useState(false);
  const queue = useRef<Promise<void>>(Promise.resolve());
  const aborts = useRef(new AbortController());
  // Leaving the page cancels what is still being sent (made here, not at render, for StrictMode's remount).
  useEffect(() => {
    const controller = new AbortController();
    aborts.current = controller;
    return () => controller.abort();
  }, []);

  const update = (key: string, change: Partial<UploadItem>) =>
    setItems((current) => current.map((item) => (item.key === key ? { ...item, ...change } : item)));

  const send = async (item: UploadItem, left: { bytes: number }) => {
    if (item.file.size > left.bytes) {
      update(item.key, { status: 'refused', message: overQuota(item.file, left.bytes, format) });
      return;
    }
    update(item.key, { status: 'uploading' });
    try {
      await uploadFile(item.file, (loaded) => update(item.key, { loaded }), aborts.current.signal);
      left.bytes -= item.file.size;
      update(item.key, { status: 'done', loaded: item.file.size, message: 'Uploaded' });
    } catch (error) {
      const available = error instanceof TransferRefused ? error.details.availableBytes : undefined;
      if (typeof available === 'number') {
        // The api's count is newer than this page's: the rest of the batch is judged by it.
        left.bytes = available;
        update(item.key, { status: 'refused', message: overQuota(item.file, available, format) });
      } else {
        const message =
          error instanceof TransferRefused ? `Not uploaded: ${error.message}` : 'Not uploaded: the upload failed';
        update(item.key, { status: 'refused', message });
      }
    } finally {
      await queryClient.invalidateQueries(trpc.files.pathFilter());
    }
  };

  const add = (files: FileList | null) => {
    if (!files || files.length === 0) return;
    const added = [...files].map(
      (file): UploadItem => ({ key: `upload-${nextKey++}`, file, loaded: 0, status: 'waiting', message: '' }),
    );
    setItems((current) => [...added, ...current.filter((item) => item.status !== 'done')]);
    // What this batch may still use: the quota as last read, less what the batch itself uploads.
    const left = { bytes: availableBytes };
    queue.current = queue.current.then(async () => {
      for (const item of added) await send(item, left);
    });
  };

  const onPick = (event: ChangeEvent<HTMLInputElement>) => {
    add(event.target.files);
    event.target.value = '';
  };
  const onDrop = (event: DragEvent<HTMLElement>) => {
    event.preventDefault();
    setDragging(false);
    add(event.dataTransfer.files);
  };

  return (
    <Card title="Upload" id="files-upload" description="Files count against your plan's storage quota.">
      {/* biome-ignore lint/a11y/noStaticElementInteractions: the drop zone only adds dropping to the labelled picker inside it */}
      <div
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="drop-zone"
        className={cn(
          'flex flex-col items-center gap-2 rounded-lg border-2 border-dashed border-border px-4 py-6 text-center text-sm',
          dragging && 'border-primary bg-muted',
        )}
      >
        <Upload aria-hidden="true" className="size-6 text-muted-foreground" />
        <p>Drop files here, or</p>
        <label
          className={cn(
            buttonClass('secondary', 'sm'),
            'cursor-pointer has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-ring',
          )}
        >
          <input type="file" multiple className="sr-only" onChange={onPick} />
          Choose files
        </label>
      </div>
      {items.length > 0 && (
        <ul aria-label="Uploads" className="mt-3 space-y-2">
          {items.map((item) => (
            <UploadRow key={item.key} item={item} format={format} />
          ))}
        </ul>
      )}
    </Card>
  );
}

function UploadRow({ item, format }: { item: UploadItem; format: ReturnType<typeof useFormat> }) {
  const share = item.file.size === 0 ? 1 : item.loaded / item.file.size;
  return (
    <li className="text-sm">
      <div className="flex items-baseline justify-between gap-2">
        <span className="min-w-0 truncate font-medium">{item.file.name}</span>
        <span className="shrink-0 text-xs text-muted-foreground tabular-nums">
          {item.status === 'refused'
            ? format.bytes(item.file.size)
            : `${format.bytes(item.loaded)} / ${format.bytes(item.file.size)}`}
        </span>
      </div>
      {item.status === 'refused' ? (
        <p role="alert" className="mt-1 text-danger">
          {item.message}
        </p>
      ) : (
        <>
          <div className="mt-1">
            <ProgressBar label={`Upload of ${item.file.name}`} value={share} />
          </div>
          <p className="mt-0.5 text-xs text-muted-foreground" aria-live="polite">
            {item.status === 'waiting' ? 'Waiting' : item.status === 'uploading' ? 'Uploading…' : item.message}
          </p>
        </>
      )}
    </li>
  );
}
