import type { BadgeTone } from '../../ui/badge.js';

export type RiskBand = 'low' | 'medium' | 'high';

/** Churn risk as operators read it: high risk is the alarming one. */
export const RISK_TONES: Record<RiskBand, BadgeTone> = { low: 'success', medium: 'warning', high: 'danger' };

export const RISK_LABELS: Record<RiskBand, string> = {
  low: 'Low risk',
  medium: 'Medium risk',
  high: 'High risk',
};

/** A rate in 0–1 as a percentage; null (nothing to divide by) as a dash. */
export function rate(value: number | null): string {
  return value === null ? '—' : `${Math.round(value * 1000) / 10}%`;
}
