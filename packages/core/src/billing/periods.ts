/** Billing months are UTC calendar months, named 'YYYY-MM'. */

export function periodOf(date: Date): string {
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function billingMonth(at: Date | string): { start: Date; end: Date } {
  const date = typeof at === 'string' ? new Date(`${at}-01T00:00:00.000Z`) : at;
  const start = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
  const end = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1));
  return { start, end };
}

export function previousPeriod(period: string): string {
  const { start } = billingMonth(period);
  return periodOf(new Date(start.getTime() - 1));
}

/** A monthly amount for what is left of `at`'s month, rounded to the cent. */
export function prorate(monthlyCents: number, at: Date): number {
  const { start, end } = billingMonth(at);
  const remaining = (end.getTime() - at.getTime()) / (end.getTime() - start.getTime());
  return Math.round(monthlyCents * remaining);
}
