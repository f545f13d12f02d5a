import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { trpc } from './trpc.js';

/** The tenant's regional settings (tenant `settings`); the browser's own where the tenant set none. */
export interface RegionalSettings {
  timezone: string;
  dateFormat: 'MM/DD/YYYY' | 'DD/MM/YYYY' | 'YYYY-MM-DD' | 'DD.MM.YYYY';
  currency: string;
}

export const DEFAULT_REGION: RegionalSettings = {
  timezone: Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
  dateFormat: 'YYYY-MM-DD',
  currency: 'USD',
};

export function regionFrom(settings: Record<string, unknown> | undefined): RegionalSettings {
  const timezone = typeof settings?.timezone === 'string' ? settings.timezone : DEFAULT_REGION.timezone;
  const dateFormat =
    typeof settings?.date_format === 'string' ? (settings.date_format as RegionalSettings['dateFormat']) : 'YYYY-MM-DD';
  const currency = typeof settings?.currency === 'string' ? settings.currency : DEFAULT_REGION.currency;
  return { timezone, dateFormat, currency };
}

type DateInput = Date | string | number;

/** Formatting that follows one tenant's settings; numbers use the browser's locale. */
export function formatterFor(region: RegionalSettings) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: region.timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const time = new Intl.DateTimeFormat(undefined, { timeZone: region.timezone, hour: '2-digit', minute: '2-digit' });
  const count = new Intl.NumberFormat();

  const date = (value: DateInput): string => {
    const pieces = Object.fromEntries(parts.formatToParts(new Date(value)).map((part) => [part.type, part.value]));
    const { year = '', month = '', day = '' } = pieces;
    switch (region.dateFormat) {
      case 'MM/DD/YYYY':
        return `${month}/${day}/${year}`;
      case 'DD/MM/YYYY':
        return `${day}/${month}/${year}`;
      case 'DD.MM.YYYY':
        return `${day}.${month}.${year}`;
      default:
        return `${year}-${month}-${day}`;
    }
  };

  return {
    region,
    date,
    time: (value: DateInput) => time.format(new Date(value)),
    dateTime: (value: DateInput) => `${date(value)} ${time.format(new Date(value))}`,
    count: (value: number) => count.format(value),
    /** Amounts are kept in cents of the tenant's currency. */
    money: (cents: number) =>
      new Intl.NumberFormat(undefined, {
        style: 'currency',
        currency: region.currency,
        minimumFractionDigits: cents % 100 === 0 ? 0 : 2,
      }).format(cents / 100),
    percent: (value: number) => `${Math.round(value * 10) / 10}%`,
    bytes: (value: number) => formatBytes(value, count),
  };
}

export type Formatter = ReturnType<typeof formatterFor>;

const BYTE_UNITS = ['KB', 'MB', 'GB', 'TB'] as const;

/** Sizes in the units the plans are sold in (a plan's GB is 1024³ bytes), one decimal above a kilobyte. */
function formatBytes(value: number, count: Intl.NumberFormat): string {
  if (Math.abs(value) < 1024) return `${count.format(value)} ${value === 1 ? 'byte' : 'bytes'}`;
  let scaled = value / 1024;
  let unit = 0;
  while (Math.abs(scaled) >= 1024 && unit < BYTE_UNITS.length - 1) {
    scaled /= 1024;
    unit += 1;
  }
  return `${count.format(Math.round(scaled * 10) / 10)} ${BYTE_UNITS[unit]}`;
}

/** The signed-in tenant's formatter (browser defaults until its settings have loaded). */
export function useFormat(): Formatter {
  const tenant = useQuery(trpc.tenants.get.queryOptions());
  const settings = tenant.data?.settings;
  return useMemo(() => formatterFor(regionFrom(settings)), [settings]);
}

/** Minutes the zone is ahead of UTC at that instant (negative west of Greenwich). */
function zoneOffsetMinutes(timezone: string, instant: number): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(instant))
      .map((part) => [part.type, Number(part.value)]),
  );
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  return Math.round((asUtc - instant) / 60_000);
}

/**
 * The instant a calendar day (`YYYY-MM-DD`, as a date input gives it) starts in the tenant's time
 * zone, so "from 2 Dec" means the tenant's 2 Dec wherever the browser is.
 */
export function startOfDayIn(timezone: string, day: string): Date {
  const [year = 0, month = 1, date = 1] = day.split('-').map(Number);
  const midnightUtc = Date.UTC(year, month - 1, date);
  // Twice: the offset at the guess may differ from the one at the answer across a DST change.
  let instant = midnightUtc - zoneOffsetMinutes(timezone, midnightUtc) * 60_000;
  instant = midnightUtc - zoneOffsetMinutes(timezone, instant) * 60_000;
  return new Date(instant);
}

/** A null seat limit means the plan has no cap on members. */
export function formatLimit(limit: number | null, format: Formatter): string {
  return limit === null ? 'Unlimited' : format.count(limit);
}
