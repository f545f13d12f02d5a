import type { BadgeTone } from '../../ui/badge.js';

export const PRIORITY_OPTIONS = [
  { value: 'low', label: 'Low' },
  { value: 'normal', label: 'Normal' },
  { value: 'high', label: 'High' },
  { value: 'urgent', label: 'Urgent' },
] as const;

export type Priority = (typeof PRIORITY_OPTIONS)[number]['value'];

export const PRIORITY_TONES: Record<Priority, BadgeTone> = {
  low: 'neutral',
  normal: 'neutral',
  high: 'warning',
  urgent: 'danger',
};
