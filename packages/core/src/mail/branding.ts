/** How an email is framed: whose name, colour and logo it carries. */
export interface MailBranding {
  name: string;
  primaryColor: string;
  logoUrl: string | null;
}

/** Account-level mail (password reset) and tenants without branding use the product's own. */
export const PRODUCT_BRANDING: MailBranding = { name: 'Digame Tenancy', primaryColor: '#2563eb', logoUrl: null };

const HEX_COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/**
 * Reads `tenants.branding` (`primary_color`, `logo_url`; camelCase accepted too). Values are
 * validated here again because they end up in HTML: a colour must be a hex code and a logo an
 * https URL, anything else falls back to the product's defaults.
 */
export function tenantBranding(tenant: { name: string; branding: Record<string, unknown> }): MailBranding {
  const color = tenant.branding.primary_color ?? tenant.branding.primaryColor;
  const logo = tenant.branding.logo_url ?? tenant.branding.logoUrl;
  return {
    name: tenant.name,
    primaryColor: typeof color === 'string' && HEX_COLOR.test(color) ? color : PRODUCT_BRANDING.primaryColor,
    logoUrl: typeof logo === 'string' && isHttpsUrl(logo) ? logo : null,
  };
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
