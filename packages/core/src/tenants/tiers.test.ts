import { describe, expect, it } from 'vitest';
import { cheapestTierWith, FEATURES, TIERS } from './tiers.js';

// The brief's feature matrix, row by row: [basic, professional, enterprise].
const BRIEF_MATRIX: Record<(typeof FEATURES)[number], [boolean, boolean, boolean]> = {
  core_analytics: [true, true, true],
  social_collaboration: [true, true, true],
  ai_insights: [false, true, true],
  advanced_analytics: [false, true, true],
  api_access: [false, true, true],
  sso: [false, false, true],
  advanced_reporting: [false, false, true],
  audit_logs: [false, false, true],
  custom_branding: [false, true, true],
  priority_support: [false, true, true],
  sla_guarantee: [false, false, true],
};

describe('tier catalog', () => {
  it('has exactly the brief’s eleven features', () => {
    expect(FEATURES).toHaveLength(11);
    expect([...FEATURES].sort()).toEqual(Object.keys(BRIEF_MATRIX).sort());
  });

  it.each(FEATURES)('matches the brief’s matrix for %s', (feature) => {
    const row = [TIERS.basic, TIERS.professional, TIERS.enterprise].map((t) => t.features[feature]);
    expect(row).toEqual(BRIEF_MATRIX[feature]);
  });

  it('has the brief’s limits and prices', () => {
    expect(TIERS.basic.limits).toEqual({ maxUsers: 10, storageLimitGb: 5, apiCallsPerHour: 1000 });
    expect(TIERS.professional.limits).toEqual({ maxUsers: 50, storageLimitGb: 100, apiCallsPerHour: 5000 });
    expect(TIERS.enterprise.limits.maxUsers).toBeNull();
    expect(TIERS.enterprise.limits.storageLimitGb).toBeGreaterThanOrEqual(1024);
    expect(TIERS.enterprise.limits.apiCallsPerHour).toBe(25000);
    expect(TIERS.basic.monthlyPriceCents).toBe(2900);
    expect(TIERS.professional.monthlyPriceCents).toBe(9900);
    expect(TIERS.enterprise.monthlyPriceCents).toBeNull();
  });

  it('points each feature at the cheapest tier that has it', () => {
    expect(cheapestTierWith('core_analytics')).toBe('basic');
    expect(cheapestTierWith('ai_insights')).toBe('professional');
    expect(cheapestTierWith('audit_logs')).toBe('enterprise');
  });
});
