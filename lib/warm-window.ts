/**
 * Always-warm windows of keep-warm pins (`gateway.keepWarm.pins[].windows`), in UTC. Grammar:
 * `[DAYS ]HH:MM-HH:MM`, where DAYS is a comma list of days or day ranges (`Mon`…`Sun`, any case:
 * `Mon-Fri`, `Sat,Sun`, `Fri-Mon`) and every day when left out. The end is exclusive, may be `24:00`,
 * and an end at or before the start wraps past midnight (the part after midnight belongs to the next
 * day). Pure.
 */
export interface WarmWindow {
  /** As written in the configuration. */
  text: string;
  /** Days the window starts on, 0 = Sunday … 6 = Saturday. */
  days: ReadonlySet<number>;
  /** Minutes after midnight UTC. */
  start: number;
  end: number;
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** Parses one window; answers a message naming what is wrong instead when it is not valid. */
export function parseWarmWindow(text: string): WarmWindow | string {
  const m = /^\s*(?:([A-Za-z,-]+)\s+)?(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(text);
  if (m === null) return `must read "[DAYS ]HH:MM-HH:MM" (UTC), e.g. "Mon-Fri 08:00-18:00", got "${text}"`;
  const start = minutes(Number(m[2]), Number(m[3]), false);
  const end = minutes(Number(m[4]), Number(m[5]), true);
  if (start === undefined) return `start ${m[2]}:${m[3]} is not a time between 00:00 and 23:59`;
  if (end === undefined) return `end ${m[4]}:${m[5]} is not a time between 00:00 and 24:00`;
  if (start === end) return `start and end are both ${m[2]}:${m[3]}: the window is empty`;
  const days = m[1] === undefined ? new Set([0, 1, 2, 3, 4, 5, 6]) : parseDays(m[1]);
  if (typeof days === 'string') return days;
  return { text, days, start, end };
}

/** Whether `now` (ms since the epoch) is inside the window. */
export function inWarmWindow(w: WarmWindow, now: number): boolean {
  const day = new Date(now).getUTCDay();
  const minute = Math.floor((now % DAY_MS) / MINUTE_MS);
  if (w.start < w.end) return w.days.has(day) && minute >= w.start && minute < w.end;
  return (w.days.has(day) && minute >= w.start) || (w.days.has((day + 6) % 7) && minute < w.end);
}

/** The next start of the window after `now` (ms), within the coming eight days. */
export function nextWarmWindowStart(w: WarmWindow, now: number): number {
  const midnight = now - (now % DAY_MS);
  for (let d = 0; d <= 7; d++) {
    const at = midnight + d * DAY_MS + w.start * MINUTE_MS;
    if (at > now && w.days.has(new Date(at).getUTCDay())) return at;
  }
  return Number.POSITIVE_INFINITY;
}

function minutes(h: number, m: number, isEnd: boolean): number | undefined {
  if (m > 59) return undefined;
  if (h < 24) return h * 60 + m;
  return isEnd && h === 24 && m === 0 ? 24 * 60 : undefined;
}

function parseDays(text: string): Set<number> | string {
  const out = new Set<number>();
  for (const part of text.toLowerCase().split(',')) {
    const [from, to, extra] = part.split('-');
    const a = DAYS.indexOf(from ?? '');
    const b = to === undefined ? a : DAYS.indexOf(to);
    if (a < 0 || b < 0 || extra !== undefined) {
      return `days "${text}" must be days (Mon, Tue, Wed, Thu, Fri, Sat, Sun) or ranges like Mon-Fri, separated by commas`;
    }
    for (let d = a; ; d = (d + 1) % 7) {
      out.add(d);
      if (d === b) break;
    }
  }
  return out;
}
