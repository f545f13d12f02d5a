const DAY_MS = 24 * 60 * 60 * 1000;

/** Whole days until the deletion, counted from the server's date (never negative). */
export function daysUntil(deleteAt: string, now = Date.now()): number {
  return Math.max(0, Math.ceil((new Date(deleteAt).getTime() - now) / DAY_MS));
}

export const daysLabel = (days: number) => (days === 1 ? '1 day' : `${days} days`);
