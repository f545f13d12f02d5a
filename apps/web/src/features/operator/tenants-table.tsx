import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useFormat } from '../../lib/format.js';
import { type RouterInputs, trpc } from '../../lib/trpc.js';
import { Badge } from '../../ui/badge.js';
import { Card } from '../../ui/card.js';
import { Field, SelectField } from '../../ui/field.js';
import { EmptyState } from '../../ui/states.js';
import { DataTable, Pager } from '../../ui/table.js';
import { QueryView } from '../common/query-view.js';
import { tierLabel } from '../common/upgrade-prompt.js';
import { RISK_LABELS, RISK_TONES } from './labels.js';

type TenantQuery = RouterInputs['operatorAnalytics']['tenants'];
type Sort = NonNullable<TenantQuery['sort']>;

const PAGE_SIZE = 25;
/** Health and alerts change as the worker scores and meters; operators see them within this. */
export const OPERATOR_REFRESH_MS = 15_000;

const ANY = { value: '', label: 'Any' };

/** Every tenant: search, filters, sort and pages, refreshed while it is open. */
export function TenantsTable() {
  const format = useFormat();
  const [search, setSearch] = useState('');
  const [tier, setTier] = useState('');
  const [trial, setTrial] = useState('');
  const [status, setStatus] = useState('');
  const [band, setBand] = useState('');
  const [sort, setSort] = useState<Sort>('mrr');
  const [page, setPage] = useState(0);
  const filters: TenantQuery = {
    search: search.trim() || undefined,
    tier: (tier || undefined) as TenantQuery['tier'],
    trial: trial === '' ? undefined : trial === 'trial',
    active: status === '' ? undefined : status === 'active',
    healthBand: (band || undefined) as TenantQuery['healthBand'],
    sort,
    limit: PAGE_SIZE,
    offset: page * PAGE_SIZE,
  };
  const tenants = useQuery({
    ...trpc.operatorAnalytics.tenants.queryOptions(filters),
    placeholderData: keepPreviousData,
    refetchInterval: OPERATOR_REFRESH_MS,
  });
  const change =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setPage(0);
    };

  return (
    <Card title="Tenants" id="tenants" description="Health, alerts and usage refresh every 15 seconds.">
      <search aria-label="Filter tenants" className="mb-4 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
        <Field
          label="Search"
          type="search"
          placeholder="Name, slug or domain"
          className="col-span-2 sm:col-span-3 lg:col-span-2"
          value={search}
          onValueChange={change(setSearch)}
        />
        <SelectField
          label="Tier"
          value={tier}
          onValueChange={change(setTier)}
          options={[ANY, ...['basic', 'professional', 'enterprise'].map((t) => ({ value: t, label: tierLabel(t) }))]}
        />
        <SelectField
          label="Trial"
          value={trial}
          onValueChange={change(setTrial)}
          options={[ANY, { value: 'trial', label: 'On trial' }, { value: 'paying', label: 'Not on trial' }]}
        />
        <SelectField
          label="Status"
          value={status}
          onValueChange={change(setStatus)}
          options={[ANY, { value: 'active', label: 'Active' }, { value: 'suspended', label: 'Suspended' }]}
        />
        <SelectField
          label="Health"
          value={band}
          onValueChange={change(setBand)}
          options={[ANY, ...(['low', 'medium', 'high'] as const).map((b) => ({ value: b, label: RISK_LABELS[b] }))]}
        />
        {/* Two columns wide at every width: its longest option does not fit in one. */}
        <SelectField
          label="Sort by"
          className="col-span-2"
          value={sort}
          onValueChange={(value) => change(setSort)(value as Sort)}
          options={[
            { value: 'mrr', label: 'MRR, highest first' },
            { value: 'health', label: 'Health, lowest first' },
            { value: 'usage', label: 'API usage, highest first' },
            { value: 'name', label: 'Name' },
            { value: 'newest', label: 'Newest' },
          ]}
        />
      </search>
      <QueryView
        query={tenants}
        loadingLabel="Loading tenants…"
        isEmpty={(data) => data.items.length === 0}
        empty={<EmptyState title="No tenant matches">Change the search or the filters.</EmptyState>}
      >
        {(data) => (
          <>
            <p className="mb-2 text-sm text-muted-foreground" aria-live="polite">
              {format.count(data.total)} {data.total === 1 ? 'tenant' : 'tenants'}
            </p>
            <DataTable
              caption="Tenants"
              stackOnPhone
              rowKey={(row) => row.uuid}
              rows={data.items}
              columns={[
                {
                  header: 'Tenant',
                  rowHeader: true,
                  className: 'min-w-36',
                  cell: (row) => (
                    <span>
                      <Link to="/operator/tenants/$tenantId" params={{ tenantId: row.uuid }} className="font-medium">
                        {row.name}
                      </Link>
                      <span className="block text-xs text-muted-foreground">{row.slug}</span>
                    </span>
                  ),
                },
                {
                  header: 'Plan',
                  cell: (row) => (
                    <span className="flex flex-wrap gap-1">
                      {tierLabel(row.tier)}
                      {row.isTrial && <Badge tone="warning">Trial</Badge>}
                    </span>
                  ),
                },
                {
                  header: 'Status',
                  cell: (row) => (
                    <Badge tone={row.isActive ? 'success' : 'danger'}>{row.isActive ? 'Active' : 'Suspended'}</Badge>
                  ),
                },
                { header: 'MRR', phoneLabel: true, cell: (row) => format.money(row.mrrCents) },
                {
                  header: 'Health',
                  phoneLabel: true,
                  cell: (row) =>
                    row.healthScore === null || row.churnRisk === null ? (
                      <span className="text-muted-foreground">Not scored</span>
                    ) : (
                      <span className="inline-flex flex-wrap items-center gap-1">
                        {Math.round(row.healthScore)}
                        <Badge tone={RISK_TONES[row.churnRisk]}>{RISK_LABELS[row.churnRisk]}</Badge>
                      </span>
                    ),
                },
                {
                  header: 'Alerts',
                  phoneLabel: true,
                  cell: (row) =>
                    row.openAlerts > 0 ? <Badge tone="warning">{row.openAlerts} open</Badge> : <span>None</span>,
                },
                { header: 'Seats', hideOnPhone: true, cell: (row) => format.count(row.seats) },
                {
                  header: 'Active users (30 d)',
                  hideOnPhone: true,
                  cell: (row) => format.count(row.monthlyActiveUsers),
                },
                { header: 'API calls (30 d)', hideOnPhone: true, cell: (row) => format.count(row.apiCalls30d) },
              ]}
            />
            <Pager
              page={page + 1}
              hasPrevious={page > 0}
              hasNext={(page + 1) * PAGE_SIZE < data.total}
              onPrevious={() => setPage((current) => Math.max(0, current - 1))}
              onNext={() => setPage((current) => current + 1)}
            />
          </>
        )}
      </QueryView>
    </Card>
  );
}
