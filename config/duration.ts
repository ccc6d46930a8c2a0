import { z } from 'zod';

/** Milliseconds per duration unit. */
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Bytes per size unit: decimal (kB, MB, GB, TB) and binary (KiB, MiB, GiB, TiB), case-insensitive. */
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Unit names a caller may imply for plain numbers. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';
/** Size unit names a caller may imply for plain numbers. */
export type SizeUnit = 'b' | 'KiB' | 'MiB' | 'GiB' | 'KB' | 'MB' | 'GB';

const NUMBER_AND_UNIT = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*([A-Za-z]*)$/;

/** The outcome of parsing a duration or size: a number, or a message saying what was wrong. */
export type Parsed = { ok: true; value: number } | { ok: false; message: string };

function parseQuantity(
  text: string,
  units: Record<string, number>,
  what: string,
  example: string,
  impliedUnit: string | undefined,
): Parsed {
  const match = NUMBER_AND_UNIT.exec(text.trim());
  if (!match) return { ok: false, message: `must be a ${what} like ${example}, got ${JSON.stringify(text)}` };
  const amount = Number(match[1]);
  const unitText = match[2] || impliedUnit;
  if (!unitText) {
    return {
      ok: false,
      message: `must be a ${what} with a unit like ${example}, got ${JSON.stringify(text)}`,
    };
  }
  const factor = units[unitText.toLowerCase()] ?? units[unitText];
  if (factor === undefined) {
    return {
      ok: false,
      message: `unknown unit "${unitText}" in ${JSON.stringify(text)} (use ${Object.keys(units).join(', ')})`,
    };
  }
  if (amount < 0 || Object.is(amount, -0)) {
    return { ok: false, message: `must not be negative, got ${JSON.stringify(text)}` };
  }
  return { ok: true, value: amount * factor };
}

/**
 * Parses a duration (`900ms`, `15s`, `5m`, `1h`, `1.5s`, `2d`) to milliseconds. A plain number is
 * rejected unless the caller implies a unit (e.g. `OPR_PROXY_MAX_TIMEOUT` is in seconds).
 */
export function parseDuration(text: string, impliedUnit?: DurationUnit): Parsed {
  const parsed = parseQuantity(text, DURATION_UNITS, 'duration', '"15s", "900ms" or "5m"', impliedUnit);
  // Sub-millisecond precision means nothing to timers; round to whole milliseconds.
  return parsed.ok ? { ok: true, value: Math.round(parsed.value) } : parsed;
}

/** Parses a size (`22MiB`, `512KiB`, `1GB`, `100b`) to bytes; the result must be a whole byte count. */
export function parseSize(text: string, impliedUnit?: SizeUnit): Parsed {
  const parsed = parseQuantity(text, SIZE_UNITS, 'size', '"22MiB", "512KiB" or "1GB"', impliedUnit);
  if (parsed.ok && !Number.isInteger(parsed.value)) {
    return { ok: false, message: `must be a whole number of bytes, got ${JSON.stringify(text)}` };
  }
  return parsed;
}

function quantitySchema(kind: 'duration' | 'size', parse: (text: string) => Parsed, numberMeaning: string) {
  return z
    .union([z.number(), z.string()], {
      error: `must be a ${kind} string (${kind === 'duration' ? '"15s"' : '"22MiB"'}) or a number of ${numberMeaning}`,
    })
    .transform((input, ctx) => {
      if (typeof input === 'number') {
        if (!Number.isFinite(input) || input < 0 || (kind === 'size' && !Number.isInteger(input))) {
          ctx.addIssue({ code: 'custom', message: `must be a ${kind} ≥ 0, got ${input}`, input });
          return z.NEVER;
        }
        return input;
      }
      const parsed = parse(input);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: parsed.message, input });
        return z.NEVER;
      }
      return parsed.value;
    })
    .meta({ kind });
}

/** A duration: a string with a unit (`15s`) or a non-negative number of milliseconds; outputs milliseconds. */
export const durationSchema = quantitySchema('duration', (t) => parseDuration(t), 'milliseconds');

/** A size: a string with a unit (`22MiB`) or a non-negative number of bytes; outputs bytes. */
export const sizeSchema = quantitySchema('size', (t) => parseSize(t), 'bytes');
