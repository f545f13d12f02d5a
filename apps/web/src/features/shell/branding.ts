import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { trpc } from '../../lib/trpc.js';

function luminance(hex: string): number {
  const channel = (offset: number) => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

function contrast(a: number, b: number): number {
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

/** White or near-black, whichever reads better on the brand colour (one of them always passes 4.5:1). */
export function textOn(hex: string): string {
  const background = luminance(hex);
  return contrast(background, 1) >= contrast(background, luminance('#0f172a')) ? '#ffffff' : '#0f172a';
}

export interface Branding {
  primaryColor: string | null;
  logoUrl: string | null;
}

/** Logos load over https, or from the console's own origin (where the api serves uploaded logos). */
function trustedLogo(logo: unknown, origin: string): string | null {
  if (typeof logo !== 'string') return null;
  try {
    const url = new URL(logo);
    return url.protocol === 'https:' || url.origin === origin ? url.toString() : null;
  } catch {
    return null;
  }
}

export function brandingFrom(raw: Record<string, unknown> | undefined, origin: string): Branding {
  const color = raw?.primary_color;
  return {
    primaryColor: typeof color === 'string' && /^#[0-9a-fA-F]{6}$/.test(color) ? color : null,
    logoUrl: trustedLogo(raw?.logo_url, origin),
  };
}

/** Paints buttons and highlights of the console in the tenant's colour while it is shown. */
export function applyBrandColor(element: HTMLElement, color: string | null): void {
  if (color) {
    element.style.setProperty('--primary', color);
    element.style.setProperty('--primary-foreground', textOn(color));
  } else {
    element.style.removeProperty('--primary');
    element.style.removeProperty('--primary-foreground');
  }
}

export function useTenantBranding(): Branding {
  const tenant = useQuery(trpc.tenants.get.queryOptions());
  // Branding kept from a plan that had it stays stored, but only shows while the plan has it.
  const branded = tenant.data?.features.custom_branding === true;
  const branding = brandingFrom(branded ? tenant.data?.branding : undefined, window.location.origin);
  useEffect(() => {
    applyBrandColor(document.documentElement, branding.primaryColor);
    return () => applyBrandColor(document.documentElement, null);
  }, [branding.primaryColor]);
  return branding;
}
