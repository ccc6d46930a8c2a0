import { stringify } from 'yaml';
import type { Policy } from './schema.ts';

/** Policy keys whose values are durations (milliseconds inside, strings like `15s` on the page). */
const DURATION_KEYS = new Set([
  'interval',
  'timeout',
  'maxAge',
  'stabilizationWindow',
  'period',
  'window',
  'hold',
  'bootTimeout',
  'holdFor',
  'idleFor',
  'bootTime',
  'warmRuntimeCost',
  'step',
  'lookback',
  'seasons',
  'errorWindow',
  'minHistory',
  'for',
]);

/** Writes milliseconds in the largest unit that divides them evenly: 300000 → `5m`, 1500 → `1500ms`. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return ms === 0 ? '0s' : `${ms}ms`;
}

function toWritten(value: unknown, key?: string): unknown {
  if (typeof value === 'number' && key !== undefined && DURATION_KEYS.has(key)) return formatDuration(value);
  if (Array.isArray(value)) return value.map((v) => toWritten(v, key === 'seasons' ? key : undefined));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWritten(v, k)]));
  }
  return value;
}

/** The policies as YAML with every default filled in (one document, or `pools:` for several). */
export function printPolicies(policies: readonly Policy[]): string {
  const written = policies.map((p) => toWritten(p));
  return stringify(written.length === 1 ? written[0] : { pools: written }, { lineWidth: 0 });
}
