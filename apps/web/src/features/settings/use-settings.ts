import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type RouterInputs, type RouterOutputs, trpc, trpcClient } from '../../lib/trpc.js';

export type SettingCategory = RouterInputs['settings']['set']['category'];
export type SettingView = RouterOutputs['settings']['list'][number];

/** One category's settings as a map by key, and a way to save or clear one of them. */
export function useSettings(category: SettingCategory) {
  const queryClient = useQueryClient();
  const query = useQuery(trpc.settings.list.queryOptions({ category }));
  const byKey = new Map((query.data ?? []).map((setting) => [setting.key, setting]));
  const refresh = () => queryClient.invalidateQueries(trpc.settings.pathFilter());
  return {
    query,
    byKey,
    set: (key: string, value: unknown) => trpcClient.settings.set.mutate({ category, key, value }),
    clear: (key: string) => trpcClient.settings.delete.mutate({ category, key }),
    refresh,
  };
}

/**
 * The api names a bad value `value` (or `value.3` for an entry of a list); a form with several
 * settings shows it on the field of the setting being saved.
 */
export function fieldsForSetting(fields: Record<string, string>, key: string): Record<string, string> {
  const mapped: Record<string, string> = {};
  for (const [path, message] of Object.entries(fields)) {
    mapped[path === 'value' || path.startsWith('value.') ? key : path] = message;
  }
  return mapped;
}
