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

export function brandingFrom(raw: Record<string, unknown> | undefined): Branding {
  const color = raw?.primary_color;
  const logo = raw?.logo_url;
  return {
    primaryColor: typeof color === 'string' && /^#[0-9a-fA-F]{6}$/.test(color) ? color : null,
    logoUrl: typeof logo === 'string' && logo.startsWith('https://') ? logo : null,
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
  const branding = brandingFrom(tenant.data?.branding);
  useEffect(() => {
    applyBrandColor(document.documentElement, branding.primaryColor);
    return () => applyBrandColor(document.documentElement, null);
  }, [branding.primaryColor]);
  return branding;
}
