import type { EmailPayload } from '../jobs/definitions.js';
import type { MailBranding } from './branding.js';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** What a template says, before it is laid out as text and HTML. */
interface Content {
  subject: string;
  greeting?: string;
  paragraphs: string[];
  action?: { label: string; url: string };
}

const LIMIT_LABELS = { seats: 'seats', storage: 'storage', api_calls: 'API calls per hour' } as const;

function content(payload: EmailPayload): Content {
  switch (payload.template) {
    case 'welcome': {
      const d = payload.data;
      return {
        subject: `Welcome to ${d.tenantName}: set your password`,
        greeting: `Hello ${d.recipientName},`,
        paragraphs: [`Your organization ${d.tenantName} is ready. Set your password to sign in; the link works once.`],
        action: { label: 'Set your password', url: d.setPasswordUrl },
      };
    }
    case 'invitation': {
      const d = payload.data;
      return {
        subject: `${d.inviterName} invited you to join ${d.tenantName}`,
        paragraphs: [
          `${d.inviterName} invited you to join ${d.tenantName} as ${d.role}.`,
          `The invitation expires on ${d.expiresAt}.`,
        ],
        action: { label: 'Accept the invitation', url: d.acceptUrl },
      };
    }
    case 'password_reset': {
      const d = payload.data;
      return {
        subject: 'Reset your password',
        greeting: `Hello ${d.recipientName},`,
        paragraphs: [
          `Someone asked to reset the password of your account. The link works once and expires on ${d.expiresAt}.`,
          'If it was not you, ignore this email: your password stays as it is.',
        ],
        action: { label: 'Choose a new password', url: d.resetUrl },
      };
    }
    case 'trial_reminder': {
      const d = payload.data;
      const days = d.daysLeft === 1 ? '1 day' : `${d.daysLeft} days`;
      return {
        subject: `Your ${d.tenantName} trial ends in ${days}`,
        paragraphs: [
          `The trial of ${d.tenantName} ends on ${d.trialEndsAt}. Choose a plan to keep everything running.`,
        ],
        action: { label: 'Choose a plan', url: d.upgradeUrl },
      };
    }
    case 'trial_ended': {
      const d = payload.data;
      return {
        subject: `The ${d.tenantName} trial has ended`,
        paragraphs: [
          d.outcome === 'converted_to_basic'
            ? `The trial of ${d.tenantName} has ended and the organization now uses the Basic plan.`
            : `The trial of ${d.tenantName} has ended and the organization is suspended. Your data is kept; contact your platform operator to continue.`,
        ],
      };
    }
    case 'limit_alert': {
      const d = payload.data;
      const label = LIMIT_LABELS[d.limit];
      return {
        subject: `${d.tenantName} has used ${d.thresholdPercent}% of its ${label}`,
        paragraphs: [`${d.tenantName} uses ${d.used} of ${d.max} ${label} (${d.thresholdPercent}% threshold reached).`],
        action: { label: 'See usage', url: d.usageUrl },
      };
    }
    case 'offboarding': {
      const d = payload.data;
      return { subject: `${d.tenantName}: your access has changed`, paragraphs: [d.message] };
    }
    case 'monthly_report': {
      const d = payload.data;
      return {
        subject: `${d.tenantName}: your report for ${d.month}`,
        paragraphs: [
          `The monthly report of ${d.tenantName} for ${d.month} is ready: usage against limits, members, alerts, the audit summary and health.`,
          'Sign in to download the PDF.',
        ],
        action: { label: 'Open the reports', url: d.reportsUrl },
      };
    }
    case 'data_export_ready': {
      const d = payload.data;
      const what = d.scope === 'personal' ? `Your personal data in ${d.tenantName}` : `The export of ${d.tenantName}`;
      return {
        subject: `${d.tenantName}: your data export is ready`,
        paragraphs: [
          `${what} is ready to download until ${d.expiresAt}.`,
          'Sign in and download it from Data & privacy; each download link works for 15 minutes.',
        ],
        action: { label: 'Open Data & privacy', url: d.downloadPageUrl },
      };
    }
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);

/** Renders a template as plain text and as HTML framed with the sender's branding. */
export function renderEmail(payload: EmailPayload, branding: MailBranding): RenderedEmail {
  const c = content(payload);
  const text = [
    ...(c.greeting ? [c.greeting, ''] : []),
    ...c.paragraphs.flatMap((paragraph) => [paragraph, '']),
    ...(c.action ? [`${c.action.label}: ${c.action.url}`, ''] : []),
    `— ${branding.name}`,
  ].join('\n');

  const color = escapeHtml(branding.primaryColor);
  const logo = branding.logoUrl
    ? `<img src="${escapeHtml(branding.logoUrl)}" alt="${escapeHtml(branding.name)}" height="32" style="vertical-align:middle;margin-right:8px">`
    : '';
  const html = `<!doctype html>
<html><body style="margin:0;font-family:Arial,Helvetica,sans-serif;color:#111827;background:#f3f4f6">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="background:#ffffff;border-radius:8px;overflow:hidden">
<tr><td style="background:${color};color:#ffffff;padding:16px 24px;font-size:18px;font-weight:bold">${logo}${escapeHtml(branding.name)}</td></tr>
<tr><td style="padding:24px">
${c.greeting ? `<p>${escapeHtml(c.greeting)}</p>\n` : ''}${c.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
${c.action ? `<p><a href="${escapeHtml(c.action.url)}" style="display:inline-block;background:${color};color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none">${escapeHtml(c.action.label)}</a></p>` : ''}
</td></tr>
<tr><td style="padding:12px 24px;color:#6b7280;font-size:12px">${escapeHtml(branding.name)}</td></tr>
</table></td></tr></table>
</body></html>`;
  return { subject: c.subject, text, html };
}
