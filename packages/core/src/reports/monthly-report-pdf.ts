import PDFDocument from 'pdfkit';
import type { TenantMonthlyReport } from './monthly-report.js';

const number = new Intl.NumberFormat('en-US');
const percent = (used: number, max: number | null) => (max ? `${Math.round((used / max) * 1000) / 10}%` : 'no limit');
const gigabytes = (bytes: number) => `${Math.round((bytes / 1024 ** 3) * 100) / 100} GB`;

/** Renders the monthly report as a PDF (A4, the built-in Helvetica, no external assets). */
export function renderMonthlyReportPdf(report: TenantMonthlyReport): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    info: { Title: `${report.tenantName} — monthly report ${report.month}`, Author: 'Digame Tenancy' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const heading = (text: string) => doc.moveDown(0.8).font('Helvetica-Bold').fontSize(13).text(text).moveDown(0.3);
  const line = (label: string, value: string) =>
    doc.font('Helvetica').fontSize(10.5).text(`${label}: `, { continued: true }).font('Helvetica-Bold').text(value);

  doc.font('Helvetica-Bold').fontSize(20).text(report.tenantName);
  doc.font('Helvetica').fontSize(12).text(`Monthly report for ${report.month} · ${report.tierLabel} plan`);
  doc.fontSize(9).fillColor('#555555').text(`Generated ${report.generatedAt.toISOString()}`).fillColor('black');

  heading('Usage against limits');
  line('API calls in the month', number.format(report.usage.apiCalls));
  line(
    'Busiest hour',
    report.usage.busiestHour
      ? `${number.format(report.usage.busiestHour.apiCalls)} calls at ${report.usage.busiestHour.start} (${percent(report.usage.busiestHour.apiCalls, report.limits.apiCallsPerHour)} of ${number.format(report.limits.apiCallsPerHour)} per hour)`
      : 'no API calls',
  );
  line(
    'Peak seats',
    `${report.usage.peakSeats} of ${report.limits.maxUsers ?? 'unlimited'} (${percent(report.usage.peakSeats, report.limits.maxUsers)})`,
  );
  line(
    'Storage at month end',
    `${gigabytes(report.usage.storageBytesAtEnd)} of ${report.limits.storageLimitGb} GB (${percent(report.usage.storageBytesAtEnd, report.limits.storageLimitGb * 1024 ** 3)})`,
  );

  heading('Members');
  line('Active members', String(report.members.active));
  line('By role', report.members.byRole.map((r) => `${r.role} ${r.count}`).join(', ') || 'none');
  line('Joined this month', String(report.members.joined));

  heading('Alerts');
  if (report.alerts.length === 0) doc.font('Helvetica').fontSize(10.5).text('No limit alert was raised this month.');
  for (const alert of report.alerts) {
    doc
      .font('Helvetica')
      .fontSize(10.5)
      .text(
        `${alert.raisedAt.slice(0, 10)}: ${alert.limit} reached ${alert.thresholdPercent}% (${number.format(alert.used)} of ${number.format(alert.max)})`,
      );
  }

  heading('Audit summary');
  line('Audit entries', number.format(report.audit.entries));
  for (const action of report.audit.topActions) {
    doc
      .font('Helvetica')
      .fontSize(10.5)
      .text(`${action.action}: ${number.format(action.count)}`);
  }

  heading('Health');
  line(
    'Latest health score',
    report.health
      ? `${report.health.score} (${report.health.churnRisk} churn risk, ${report.health.scoredOn})`
      : 'not scored yet',
  );
  doc.end();
  return done;
}
