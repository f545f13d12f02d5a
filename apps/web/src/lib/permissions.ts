import type { Permission } from '@digame/core/auth';
import { useQuery } from '@tanstack/react-query';
import { trpc } from './trpc.js';

/**
 * What the signed-in credential may do, from `auth.whoami`: screens hide the actions it lacks
 * (the api still refuses them, and that refusal reads well too).
 */
export function usePermissions(): { can: (permission: Permission) => boolean; loaded: boolean } {
  const whoami = useQuery(trpc.auth.whoami.queryOptions());
  const granted = new Set<string>(whoami.data?.permissions ?? []);
  return { can: (permission) => granted.has(permission), loaded: whoami.isSuccess };
}
