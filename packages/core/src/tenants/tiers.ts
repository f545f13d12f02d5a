/**
 * The subscription catalog: the single typed source of tiers, their limits, prices and the brief's
 * 11-feature matrix. Tenant defaults, limits and tier changes all derive from here.
 */

export const FEATURES = [
  'core_analytics',
  'social_collaboration',
  'ai_insights',
  'advanced_analytics',
  'api_access',
  'sso',
  'advanced_reporting',
  'audit_logs',
  'custom_branding',
  'priority_support',
  'sla_guarantee',
] as const;
export type Feature = (typeof FEATURES)[number];

export const FEATURE_LABELS: Record<Feature, string> = {
  core_analytics: 'Core Analytics',
  social_collaboration: 'Social Collaboration',
  ai_insights: 'AI Insights',
  advanced_analytics: 'Advanced Analytics',
  api_access: 'API Access',
  sso: 'Single Sign-On',
  advanced_reporting: 'Advanced Reporting',
  audit_logs: 'Audit Logs',
  custom_branding: 'Custom Branding',
  priority_support: 'Priority Support',
  sla_guarantee: 'SLA Guarantee',
};

export const TIER_NAMES = ['basic', 'professional', 'enterprise'] as const;
export type TierName = (typeof TIER_NAMES)[number];

export interface TierLimits {
  /** null means unlimited seats. */
  maxUsers: number | null;
  storageLimitGb: number;
  apiCallsPerHour: number;
}

export interface Tier {
  name: TierName;
  label: string;
  limits: TierLimits;
  /** Monthly price in US cents; null means priced per contract (enterprise). */
  monthlyPriceCents: number | null;
  features: Readonly<Record<Feature, boolean>>;
}

function featureSet(enabled: readonly Feature[]): Record<Feature, boolean> {
  return Object.fromEntries(FEATURES.map((feature) => [feature, enabled.includes(feature)])) as Record<
    Feature,
    boolean
  >;
}

const basicFeatures: Feature[] = ['core_analytics', 'social_collaboration'];
const professionalFeatures: Feature[] = [
  ...basicFeatures,
  'ai_insights',
  'advanced_analytics',
  'api_access',
  'custom_branding',
  'priority_support',
];
const enterpriseFeatures: Feature[] = [...FEATURES];

export const TIERS: Readonly<Record<TierName, Tier>> = {
  basic: {
    name: 'basic',
    label: 'Basic',
    limits: { maxUsers: 10, storageLimitGb: 5, apiCallsPerHour: 1_000 },
    monthlyPriceCents: 2_900,
    features: featureSet(basicFeatures),
  },
  professional: {
    name: 'professional',
    label: 'Professional',
    limits: { maxUsers: 50, storageLimitGb: 100, apiCallsPerHour: 5_000 },
    monthlyPriceCents: 9_900,
    features: featureSet(professionalFeatures),
  },
  enterprise: {
    name: 'enterprise',
    label: 'Enterprise',
    limits: { maxUsers: null, storageLimitGb: 1_024, apiCallsPerHour: 25_000 },
    monthlyPriceCents: null,
    features: featureSet(enterpriseFeatures),
  },
};

export function tier(name: TierName): Tier {
  return TIERS[name];
}

/** The cheapest tier that includes a feature, so a refusal can point at the upgrade. */
export function cheapestTierWith(feature: Feature): TierName {
  const found = TIER_NAMES.find((name) => TIERS[name].features[feature]);
  if (!found) throw new Error(`no tier includes ${feature}`);
  return found;
}

export const TRIAL_DAYS = 30;
