import type { Role } from '../members/roles.js';

/**
 * The permission catalog. Every procedure declares one of these; roles map to sets of them per
 * the brief's role table, and a membership may grant or deny individual ones on top.
 */
export const PERMISSIONS = [
  'tenant.read',
  'tenant.update',
  'billing.read',
  'billing.manage',
  'users.read',
  'users.invite',
  'users.manage',
  'settings.read',
  'settings.manage',
  'audit.read',
  'apikeys.manage',
  'analytics.read',
  'usage.read',
  'data.export',
  /** Open tickets and follow one's own. */
  'support.open',
  /** See every ticket of the tenant; answer, assign and resolve them. */
  'support.manage',
  'files.read',
  'files.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * Brief: Admin — full tenant management, user management, billing, settings.
 * Manager — user management, view analytics, manage projects.
 * Member — access features, view own data, collaborate. Viewer — read-only access to shared resources.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: PERMISSIONS,
  manager: [
    'tenant.read',
    'users.read',
    'users.invite',
    'users.manage',
    'settings.read',
    'analytics.read',
    'usage.read',
    'support.open',
    'files.read',
    'files.manage',
  ],
  member: ['tenant.read', 'users.read', 'settings.read', 'usage.read', 'support.open', 'files.read', 'files.manage'],
  viewer: ['tenant.read', 'settings.read', 'files.read'],
};

export interface PermissionOverrides {
  grant?: string[];
  deny?: string[];
}

/** A role's permissions plus grants, minus denials (a denial wins over a grant). */
export function effectivePermissions(role: Role, overrides: PermissionOverrides = {}): Set<Permission> {
  const result = new Set<Permission>(ROLE_PERMISSIONS[role]);
  for (const permission of overrides.grant ?? []) if (isPermission(permission)) result.add(permission);
  for (const permission of overrides.deny ?? []) if (isPermission(permission)) result.delete(permission);
  return result;
}

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
