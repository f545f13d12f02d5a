import { useMutation, useQuery } from '@tanstack/react-query';
import { Download } from 'lucide-react';
import { useState } from 'react';
import { apiProblem, NO_PROBLEM } from '../../lib/api-problem.js';
import { useFormat } from '../../lib/format.js';
import { onSubmit } from '../../lib/forms.js';
import { trpc, trpcClient } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { Field, FormMessage } from '../../ui/field.js';
import { EmptyState } from '../../ui/states.js';
import { DataTable } from '../../ui/table.js';
import { toast } from '../../ui/toast.js';
import { QueryView } from '../common/query-view.js';

/** The month before this one (UTC), the usual month to report on. */
export function previousMonth(now = new Date()): string {
  const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return date.toISOString().slice(0, 7);
}

/** Saves a PDF the api sent (base64) under its file name. */
function saveFile(file: { filename: string; contentType: string; base64: string }): void {
  const bytes = Uint8Array.from(atob(file.base64), (char) => char.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: file.contentType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Asks the worker for a month's report; it appears in the list when `report.ready` arrives. */
export function GenerateReport() {
  const [month, setMonth] = useState(previousMonth());
  const generate = useMutation(
    trpc.reports.generate.mutationOptions({
      onSuccess: (result) =>
        toast.success(`The report for ${result.month} is being prepared; it appears below when ready.`),
    }),
  );
  const problem = generate.isError ? apiProblem(generate.error) : NO_PROBLEM;
  return (
    <Card title="Generate a report" id="generate">
      <form
        noValidate
        className="grid gap-3 sm:grid-cols-[minmax(0,16rem)_auto] sm:items-end"
        onSubmit={onSubmit(() => generate.mutate({ month }))}
      >
        <div className="sm:col-span-2">
          <FormMessage message={problem.message} />
        </div>
        <Field
          label="Month"
          type="month"
          value={month}
          onValueChange={setMonth}
          error={problem.fields.month}
          hint="Usage against limits, members, alerts, the audit summary and health."
        />
        <Button type="submit" disabled={generate.isPending}>
          {generate.isPending ? 'Queuing…' : 'Generate PDF'}
        </Button>
      </form>
    </Card>
  );
}

export function ReportsList() {
  const reports = useQuery(trpc.reports.list.queryOptions());
  const format = useFormat();
  const [downloading, setDownloading] = useState<string | null>(null);
  const download = async (month: string) => {
    setDownloading(month);
    try {
      saveFile(await trpcClient.reports.download.query({ month }));
    } catch (error) {
      toast.error(`Could not download the report: ${apiProblem(error).message}`);
    } finally {
      setDownloading(null);
    }
  };
  return (
    <Card title="Reports" id="reports">
      <QueryView
        query={reports}
        loadingLabel="Loading reports…"
        isEmpty={(rows) => rows.length === 0}
        empty={<EmptyState title="No reports yet">Generate one above, or set up the monthly email below.</EmptyState>}
      >
        {(rows) => (
          <DataTable
            caption="Monthly reports"
            rowKey={(row) => row.month}
            rows={rows}
            columns={[
              { header: 'Month', rowHeader: true, className: 'whitespace-nowrap', cell: (row) => row.month },
              { header: 'Generated', cell: (row) => format.dateTime(row.generatedAt) },
              {
                header: 'Size',
                hideOnPhone: true,
                cell: (row) => `${format.count(Math.ceil(row.byteSize / 1024))} KB`,
              },
              {
                header: 'PDF',
                cell: (row) => (
                  <Button
                    size="sm"
                    variant="secondary"
                    disabled={downloading === row.month}
                    aria-label={`Download the report for ${row.month}`}
                    onClick={() => void download(row.month)}
                  >
                    <Download aria-hidden="true" className="h-4 w-4" /> Download
                  </Button>
                ),
              },
            ]}
          />
        )}
      </QueryView>
    </Card>
  );
}
