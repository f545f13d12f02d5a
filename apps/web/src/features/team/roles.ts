import type { RouterInputs } from '../../lib/trpc.js';

export type Role = RouterInputs['members']['changeRole']['role'];

export const ROLE_OPTIONS: ReadonlyArray<{ value: Role; label: string }> = [
  { value: 'member', label: 'Member' },
  { value: 'viewer', label: 'Viewer' },
  { value: 'manager', label: 'Manager' },
  { value: 'admin', label: 'Admin' },
];
