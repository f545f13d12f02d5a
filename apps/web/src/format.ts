const count = new Intl.NumberFormat('en-US');

/** "$29/month"; a null price means the plan is priced per contract. */
export function formatMonthlyPrice(cents: number | null): string {
  if (cents === null) return 'Custom pricing';
  const dollars = new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: cents % 100 === 0 ? 0 : 2,
  }).format(cents / 100);
  return `${dollars}/month`;
}

/** A null seat limit means the plan has no cap on members. */
export function formatUserLimit(maxUsers: number | null): string {
  return maxUsers === null ? 'Unlimited' : count.format(maxUsers);
}

export function formatCount(value: number): string {
  return count.format(value);
}
