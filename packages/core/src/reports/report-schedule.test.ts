import { describe, expect, it } from 'vitest';
import { reportEmailSchedule, reportMonthDue } from './report-schedule.js';

const on = (dayOfMonth: number) => ({ enabled: true, dayOfMonth, recipients: ['cfo@example.test'] });

describe('report email schedule', () => {
  it("is due from the chosen day on, for the month before, across a year's turn", () => {
    expect(reportMonthDue(on(5), new Date('2026-12-04T23:59:59Z'))).toBeNull();
    expect(reportMonthDue(on(5), new Date('2026-12-05T00:00:00Z'))).toBe('2026-11');
    expect(reportMonthDue(on(5), new Date('2026-12-31T12:00:00Z'))).toBe('2026-11');
    expect(reportMonthDue(on(1), new Date('2027-01-01T00:00:00Z'))).toBe('2026-12');
  });

  it('is never due while off or without recipients', () => {
    expect(reportMonthDue({ ...on(1), enabled: false }, new Date('2026-12-10T00:00:00Z'))).toBeNull();
    expect(reportMonthDue({ ...on(1), recipients: [] }, new Date('2026-12-10T00:00:00Z'))).toBeNull();
  });

  it('refuses days past the 28th, bad addresses, and an enabled schedule without recipients', () => {
    const issues = (value: unknown) =>
      reportEmailSchedule.safeParse(value).error?.issues.map((issue) => [issue.path.join('.'), issue.message]);
    expect(issues({ ...on(29) })).toEqual([['dayOfMonth', 'from 1 to 28']]);
    expect(issues({ ...on(3), recipients: ['not-mail'] })).toEqual([['recipients.0', 'must be an email address']]);
    expect(issues({ ...on(3), recipients: [] })).toEqual([['recipients', 'add at least one recipient']]);
    expect(issues({ enabled: false, dayOfMonth: 3, recipients: [] })).toBeUndefined();
  });
});
