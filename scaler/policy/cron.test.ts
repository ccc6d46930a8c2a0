import { describe, expect, it } from 'vitest';
import { type Cron, cronMatches, parseCron, windowOpen } from './cron.ts';

const at = (iso: string) => Date.parse(iso);
const cron = (text: string) => parseCron(text) as Cron;

describe('parseCron', () => {
  it.each([
    ['four fields', '0 8 * *', 'must have 5 fields'],
    ['a word', '0 eight * * *', 'hour: cannot read "eight"'],
    ['an hour past 23', '0 24 * * *', 'hour: "24" is outside 0-23'],
    ['a reversed range', '0 9-8 * * *', 'hour: "9-8" is outside 0-23'],
    ['a zero step', '*/0 * * * *', 'minute: step must be ≥ 1'],
  ])('rejects %s, naming the field', (_name, text, message) => {
    expect(parseCron(text)).toContain(message);
  });
});

describe('cronMatches (UTC)', () => {
  it.each([
    ['weekdays at 08:00 on a Thursday', '0 8 * * 1-5', '2026-12-03T08:00:30Z', true],
    ['weekdays at 08:00 on a Saturday', '0 8 * * 1-5', '2026-12-05T08:00:00Z', false],
    ['every 15 minutes at :45', '*/15 * * * *', '2026-12-03T10:45:00Z', true],
    ['every 15 minutes at :50', '*/15 * * * *', '2026-12-03T10:50:00Z', false],
    ['Sunday written as 7', '0 0 * * 7', '2026-12-06T00:00:00Z', true],
    ['day of month or day of week (both restricted)', '0 0 1 * 1', '2026-12-07T00:00:00Z', true],
    ['a list of hours', '30 9,17 * * *', '2026-12-03T17:30:00Z', true],
  ])('%s', (_name, text, time, expected) => {
    expect(cronMatches(cron(text), at(time))).toBe(expected);
  });
});

describe('windowOpen', () => {
  const weekdayMornings = cron('0 8 * * 1-5');
  it.each([
    ['at the opening minute', '2026-12-03T08:00:00Z', true],
    ['inside the window', '2026-12-03T16:59:59Z', true],
    ['when it has closed', '2026-12-03T17:00:00Z', false],
    ['before it opens', '2026-12-03T07:59:59Z', false],
    ['on a Saturday', '2026-12-05T09:00:00Z', false],
  ])('a 9 h weekday window %s', (_name, time, open) => {
    expect(windowOpen(weekdayMornings, 9 * 3_600_000, at(time))).toBe(open);
  });
});
