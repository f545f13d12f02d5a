import { isIP } from 'node:net';
import { z } from 'zod';
import { reportEmailSchedule } from '../reports/report-schedule.js';
import type { Feature } from '../tenants/tiers.js';
import type { SETTING_CATEGORIES } from './setting.entity.js';

export type SettingCategory = (typeof SETTING_CATEGORIES)[number];

export interface SettingDefinition {
  schema: z.ZodType;
  description: string;
  /** Stored encrypted and never returned in clear except through an audited reveal. */
  secret?: boolean;
  /** The subscription feature a tenant needs to set it. */
  feature?: Feature;
}

const cidr = z.string().refine((value) => {
  const [address = '', bits, extra] = value.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const prefix = Number(bits);
  return /^\d{1,3}$/.test(bits) && prefix <= (family === 6 ? 128 : 32);
}, 'must be an IP address or CIDR block such as 203.0.113.0/24');

const httpsUrl = z.url({ protocol: /^https$/, message: 'must be an https:// URL' }).max(500);
const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour such as #007bff');

/**
 * Every setting a tenant can hold, by category. Keys of `security` are the ones the request path
 * enforces (tenant-directory.ts reads them); secrets are encrypted with SETTINGS_ENCRYPTION_KEYS.
 */
export const SETTING_DEFINITIONS: Record<SettingCategory, Record<string, SettingDefinition>> = {
  general: {
    locale: {
      schema: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must be a locale such as en or en-US'),
      description: 'Language and region of the dashboard and emails',
    },
    weekStart: { schema: z.enum(['monday', 'saturday', 'sunday']), description: 'First day of the week in reports' },
    supportEmail: { schema: z.email('must be an email address'), description: 'Where members send questions' },
    deletionRetentionDays: {
      schema: z
        .number()
        .int('must be a whole number of days')
        .min(7, 'must be at least 7 days')
        .max(90, 'must be at most 90 days'),
      description: 'Days between scheduling the organization’s deletion and the deletion itself (default 30)',
    },
  },
  security: {
    ipAllowlist: {
      schema: z.array(cidr).max(100, 'at most 100 entries'),
      description: 'Addresses allowed to call the api (empty = any)',
    },
    mfaRequired: { schema: z.boolean(), description: 'Members must sign in with a second factor' },
    sessionIdleMinutes: {
      schema: z.number().int().min(5).max(1440),
      description: 'Minutes without a request after which a session ends',
    },
    sessionAbsoluteHours: {
      schema: z.number().int().min(1).max(720),
      description: 'Hours after sign-in after which a session ends regardless',
    },
    ssoProvider: { schema: z.enum(['saml', 'oidc']), description: 'Single sign-on protocol', feature: 'sso' },
    ssoIssuerUrl: { schema: httpsUrl, description: 'Identity provider issuer or metadata URL', feature: 'sso' },
    ssoClientId: {
      schema: z.string().min(1).max(255),
      description: 'Client id at the identity provider',
      feature: 'sso',
    },
    ssoClientSecret: {
      schema: z.string().min(1).max(1000),
      description: 'Client secret at the identity provider',
      feature: 'sso',
      secret: true,
    },
  },
  notifications: {
    usageAlerts: { schema: z.boolean(), description: 'Email admins at 80% and 95% of a limit' },
    alertRecipients: {
      schema: z.array(z.email('must be an email address')).max(20, 'at most 20 recipients'),
      description: 'Extra addresses for usage alerts',
    },
    monthlyReportEmail: {
      schema: reportEmailSchedule,
      description: "Email last month's report on a day of each month",
      feature: 'advanced_reporting',
    },
    webhookUrl: { schema: httpsUrl, description: 'Endpoint that receives event notifications' },
    webhookSigningSecret: {
      schema: z.string().min(16, 'must be at least 16 characters').max(200),
      description: 'Shared secret that signs webhook deliveries',
      secret: true,
    },
  },
  branding: {
    accentColor: {
      schema: hexColor,
      description: 'Accent colour of emails and the dashboard',
      feature: 'custom_branding',
    },
    faviconUrl: { schema: httpsUrl, description: 'Favicon of the dashboard', feature: 'custom_branding' },
    emailFooter: {
      schema: z.string().max(500, 'at most 500 characters'),
      description: 'Footer text of emails',
      feature: 'custom_branding',
    },
  },
};

export function settingDefinition(category: SettingCategory, key: string): SettingDefinition | undefined {
  return Object.hasOwn(SETTING_DEFINITIONS[category], key) ? SETTING_DEFINITIONS[category][key] : undefined;
}
