import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { type ChangeEvent, useEffect, useRef, useState } from 'react';
import { postFile, TransferRefused } from '../../lib/file-transfer.js';
import { useFormat } from '../../lib/format.js';
import { trpc } from '../../lib/trpc.js';
import { Badge } from '../../ui/badge.js';
import { buttonClass } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { cn } from '../../ui/cn.js';
import { ProgressBar } from '../../ui/progress.js';

interface StartedRestore {
  restoreId: string;
  archiveName: string;
}

type Upload =
  | { state: 'idle' }
  | { state: 'sending'; name: string; loaded: number; size: number }
  | { state: 'verifying'; name: string }
  | { state: 'refused'; name: string; message: string };

/**
 * An export archive goes up as the raw body of `POST /api/restores`; the api verifies it in full
 * before it answers, so a damaged one is refused here, in the api's words. Each accepted archive is
 * then followed until the worker has restored it.
 */
export function RestoreArchive() {
  const format = useFormat();
  const [upload, setUpload] = useState<Upload>({ state: 'idle' });
  const [started, setStarted] = useState<StartedRestore[]>([]);
  const aborts = useRef(new AbortController());
  useEffect(() => {
    const controller = new AbortController();
    aborts.current = controller;
    return () => controller.abort();
  }, []);

  const onPick = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setUpload({ state: 'sending', name: file.name, loaded: 0, size: file.size });
    try {
      const accepted = await postFile<{ restoreId: string }>(
        '/api/restores',
        file,
        (loaded) =>
          setUpload(
            loaded >= file.size
              ? { state: 'verifying', name: file.name }
              : { state: 'sending', name: file.name, loaded, size: file.size },
          ),
        aborts.current.signal,
      );
      setStarted((current) => [{ restoreId: accepted.restoreId, archiveName: file.name }, ...current]);
      setUpload({ state: 'idle' });
    } catch (error) {
      const message = error instanceof TransferRefused ? error.message : 'The upload failed';
      setUpload({ state: 'refused', name: file.name, message });
    }
  };

  const busy = upload.state === 'sending' || upload.state === 'verifying';
  return (
    <>
      <Card
        title="Restore from an export archive"
        id="restore-upload"
        description="Creates a new organization from a tenant export of this or another deployment. Its members get mail to set a password or sign in."
      >
        <label
          className={cn(
            buttonClass('primary'),
            'cursor-pointer has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-ring',
            busy && 'pointer-events-none opacity-60',
          )}
        >
          <input
            type="file"
            accept=".tar.gz,.tgz,application/gzip"
            className="sr-only"
            disabled={busy}
            onChange={(event) => void onPick(event)}
          />
          Choose an archive
        </label>
        {upload.state === 'sending' && (
          <div className="mt-3 space-y-1 text-sm">
            <p>
              Sending {upload.name}: {format.bytes(upload.loaded)} of {format.bytes(upload.size)}
            </p>
            <ProgressBar
              label={`Upload of ${upload.name}`}
              value={upload.size === 0 ? 1 : upload.loaded / upload.size}
            />
          </div>
        )}
        {upload.state === 'verifying' && (
          <p className="mt-3 text-sm" role="status">
            Checking every entry of {upload.name} against its manifest…
          </p>
        )}
        {upload.state === 'refused' && (
          <p role="alert" className="mt-3 text-sm text-danger">
            {upload.name} was not accepted: {upload.message}
          </p>
        )}
      </Card>
      {started.length > 0 && (
        <Card title="Restores from this session" id="restores-started">
          <ul className="divide-y divide-border">
            {started.map((restore) => (
              <RestoreProgress key={restore.restoreId} restore={restore} />
            ))}
          </ul>
        </Card>
      )}
    </>
  );
}

const STATE_LABEL = { queued: 'Queued', running: 'Restoring', done: 'Restored', failed: 'Failed' } as const;
const STATE_TONE = { queued: 'neutral', running: 'warning', done: 'success', failed: 'danger' } as const;

/** One restore, asked about every second until the worker is done with it. */
function RestoreProgress({ restore }: { restore: StartedRestore }) {
  const status = useQuery({
    ...trpc.restores.get.queryOptions({ restoreId: restore.restoreId }),
    refetchInterval: (query) => {
      const state = query.state.data?.state;
      return state === 'done' || state === 'failed' ? false : 1_000;
    },
  });
  const data = status.data;
  return (
    <li className="space-y-1 py-3 text-sm">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span className="min-w-0 font-medium break-all">{restore.archiveName}</span>
        {data && <Badge tone={STATE_TONE[data.state]}>{STATE_LABEL[data.state]}</Badge>}
      </div>
      {data && data.state !== 'done' && data.state !== 'failed' && (
        <ProgressBar label={`Restore of ${restore.archiveName}`} value={data.progress} />
      )}
      {data?.state === 'failed' && (
        <p role="alert" className="text-danger">
          {data.error}
        </p>
      )}
      {data?.state === 'done' && data.tenant && (
        <p>
          <Link to="/operator/tenants/$tenantId" params={{ tenantId: data.tenant.uuid }}>
            Open {data.tenant.name}
          </Link>{' '}
          <span className="text-muted-foreground">({data.tenant.slug})</span>
        </p>
      )}
      {data?.state === 'done' && data.tenant?.droppedDomain && (
        <p className="text-muted-foreground">
          Another organization here uses the domain {data.tenant.droppedDomain}; the restored one has none.
        </p>
      )}
    </li>
  );
}
