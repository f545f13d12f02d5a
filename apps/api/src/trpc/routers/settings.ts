import { deleteSetting, listSettings, revealSetting, SETTING_CATEGORIES, setSetting } from '@digame/core/settings';
import { z } from 'zod';
import { can, router } from '../trpc.js';
import { isoDateTime } from './admin-common.js';

const category = z.enum(SETTING_CATEGORIES);
const address = { category, key: z.string().trim().min(1).max(100) };

const settingOutput = z.object({
  category,
  key: z.string(),
  description: z.string(),
  isSecret: z.boolean(),
  isSet: z.boolean(),
  value: z.unknown(),
  feature: z.string().nullable(),
  available: z.boolean(),
  updatedAt: isoDateTime.nullable(),
});

export const settingsRouter = router({
  /**
   * The address this request came from, as the IP allowlist sees it: a list that leaves it out is
   * refused, so the screen shows it beside the list.
   */
  callerAddress: can('settings.read')
    .input(z.void())
    .output(z.object({ ipAddress: z.string().nullable() }))
    .query(({ ctx }) => ({ ipAddress: ctx.actor.ipAddress ?? null })),

  /** Every defined setting (optionally of one category), with its value; secrets are masked. */
  list: can('settings.read')
    .input(z.strictObject({ category: category.optional() }).optional())
    .output(z.array(settingOutput))
    .query(({ ctx, input }) => ctx.run((sc) => listSettings(sc, input))),

  /** Validated against the key's schema; secrets are encrypted; some keys need a feature (sso, branding). */
  set: can('settings.manage')
    .input(z.strictObject({ ...address, value: z.unknown() }))
    .output(settingOutput)
    .mutation(({ ctx, input }) => ctx.run((sc) => setSetting(sc, input))),

  /** Removes a value so the default applies again. */
  delete: can('settings.manage')
    .input(z.strictObject(address))
    .output(settingOutput)
    .mutation(({ ctx, input }) => ctx.run((sc) => deleteSetting(sc, input))),

  /** The clear value of a secret, on explicit request; recorded in the audit log. */
  reveal: can('settings.manage')
    .input(z.strictObject(address))
    .output(z.object({ value: z.string() }))
    .mutation(({ ctx, input }) => ctx.run((sc) => revealSetting(sc, input))),
});
