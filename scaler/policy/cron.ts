/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week, UTC), enough for the
 * scheduled floors: `*`, numbers, ranges `a-b`, steps `*\/n` and `a-b/n`, and lists `a,b`. Day of
 * week is 0–7 (0 and 7 are Sunday). As in Vixie cron, when both day fields are restricted a day
 * matching either one matches.
 */

/** A parsed cron expression: the allowed values of each field. */
export interface Cron {
  minute: ReadonlySet<number>;
  hour: ReadonlySet<number>;
  dayOfMonth: ReadonlySet<number>;
  month: ReadonlySet<number>;
  dayOfWeek: ReadonlySet<number>;
  domStar: boolean;
  dowStar: boolean;
}

const FIELDS = [
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12],
  ['day of week', 0, 7],
] as const;

/** Parses a cron expression; a string result is the message naming what was wrong. */
export function parseCron(text: string): Cron | string {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 5)
    return `must have 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`;
  const sets: Set<number>[] = [];
  for (const [i, part] of parts.entries()) {
    const [name, lo, hi] = FIELDS[i]!;
    const set = new Set<number>();
    for (const item of part.split(',')) {
      const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
      if (!m) return `${name}: cannot read "${item}"`;
      const from = m[1] === '*' ? lo : Number(m[2]);
      const to = m[1] === '*' ? hi : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? hi : from;
      const every = m[4] !== undefined ? Number(m[4]) : 1;
      if (from < lo || to > hi || from > to) return `${name}: "${item}" is outside ${lo}-${hi}`;
      if (every < 1) return `${name}: step must be ≥ 1 in "${item}"`;
      for (let v = from; v <= to; v += every) set.add(i === 4 && v === 7 ? 0 : v);
    }
    sets.push(set);
  }
  return {
    minute: sets[0]!,
    hour: sets[1]!,
    dayOfMonth: sets[2]!,
    month: sets[3]!,
    dayOfWeek: sets[4]!,
    domStar: parts[2] === '*',
    dowStar: parts[4] === '*',
  };
}

/** Whether the cron fires in the UTC minute holding `time` (ms since the epoch). */
export function cronMatches(cron: Cron, time: number): boolean {
  const d = new Date(time);
  if (!cron.minute.has(d.getUTCMinutes()) || !cron.hour.has(d.getUTCHours())) return false;
  if (!cron.month.has(d.getUTCMonth() + 1)) return false;
  const dom = cron.dayOfMonth.has(d.getUTCDate());
  const dow = cron.dayOfWeek.has(d.getUTCDay());
  if (cron.domStar || cron.dowStar) return dom && dow;
  return dom || dow;
}

/**
 * Whether a window that opens when `cron` fires and lasts `duration` ms is open at `now`: some
 * minute in (now − duration, now] fires. Checks at most duration ÷ 1 min minutes.
 */
export function windowOpen(cron: Cron, duration: number, now: number): boolean {
  const minute = Math.floor(now / 60_000) * 60_000;
  for (let t = minute; t > now - duration; t -= 60_000) if (cronMatches(cron, t)) return true;
  return false;
}
