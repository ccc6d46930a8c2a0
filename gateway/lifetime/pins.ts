import {
  inWarmWindow,
  nextWarmWindowStart,
  parseWarmWindow,
  type WarmWindow,
} from '../../lib/warm-window.ts';
import type { Pin } from './policy.ts';

/** One keep-warm rule of the configuration (`gateway.keepWarm.pins[]`). */
export interface PinRule {
  /** Runtime ids it applies to: `*` any run of characters, `?` one character, the rest literal. */
  pattern: string;
  alwaysWarm: boolean;
  /** ms; undefined: no cap. */
  maxIdle: number | undefined;
  /** Keep this many of the matching runtimes (the most recently called) warm at all times. */
  minWarm?: number;
  /** Always-warm windows, `[DAYS ]HH:MM-HH:MM` UTC (warm-window.ts); validated by the schema. */
  windows?: string[];
}

/** A rule matched to a runtime. */
export interface MatchedPin extends Pin {
  /** Index of the rule in the configuration (first match wins). */
  index: number;
  pattern: string;
  minWarm: number;
  windows: WarmWindow[];
}

/** Compiled pins: the first rule whose pattern matches a runtime id applies to it. Pure. */
export class Pins {
  private readonly rules: Array<{ re: RegExp; pin: MatchedPin }>;

  constructor(rules: readonly PinRule[]) {
    this.rules = rules.map((r, index) => ({
      re: globToRegExp(r.pattern),
      pin: {
        index,
        pattern: r.pattern,
        alwaysWarm: r.alwaysWarm,
        maxIdle: r.maxIdle,
        minWarm: r.minWarm ?? 0,
        windows: (r.windows ?? []).map((text) => {
          const w = parseWarmWindow(text);
          if (typeof w === 'string') throw new Error(`pins[${index}].windows: ${w}`);
          return w;
        }),
      },
    }));
  }

  /** The rules, in order. */
  get all(): readonly MatchedPin[] {
    return this.rules.map((r) => r.pin);
  }

  /** The pin for `runtimeId`, or undefined. */
  match(runtimeId: string): MatchedPin | undefined {
    for (const r of this.rules) if (r.re.test(runtimeId)) return r.pin;
    return undefined;
  }
}

/** Whether one of the pin's always-warm windows is open at `now`. */
export function inPinWindow(pin: MatchedPin | undefined, now: number): boolean {
  return pin?.windows.some((w) => inWarmWindow(w, now)) ?? false;
}

/** The next opening of one of the pin's windows after `now`, or undefined. */
export function nextPinWindow(pin: MatchedPin | undefined, now: number): number | undefined {
  if (pin === undefined || pin.windows.length === 0) return undefined;
  const next = Math.min(...pin.windows.map((w) => nextWarmWindowStart(w, now)));
  return Number.isFinite(next) ? next : undefined;
}

/**
 * The runtimes each `minWarm` pin keeps warm: of the runtimes whose first matching rule it is, the
 * `minWarm` most recently called, those the gateway can create (runtime fields seen) first.
 */
export function minWarmFloor(
  runtimes: Iterable<{
    id: string;
    pin: MatchedPin | undefined;
    lastCallAt: number | undefined;
    canCreate: boolean;
  }>,
): Set<string> {
  const byRule = new Map<number, Array<{ id: string; lastCallAt: number; canCreate: boolean; n: number }>>();
  for (const r of runtimes) {
    if (r.pin === undefined || r.pin.minWarm <= 0) continue;
    let list = byRule.get(r.pin.index);
    if (list === undefined) {
      list = [];
      byRule.set(r.pin.index, list);
    }
    list.push({
      id: r.id,
      lastCallAt: r.lastCallAt ?? Number.NEGATIVE_INFINITY,
      canCreate: r.canCreate,
      n: r.pin.minWarm,
    });
  }
  const out = new Set<string>();
  for (const list of byRule.values()) {
    list.sort((a, b) => Number(b.canCreate) - Number(a.canCreate) || b.lastCallAt - a.lastCallAt);
    for (const r of list.slice(0, list[0]!.n)) out.add(r.id);
  }
  return out;
}

/** `*` and `?` as wildcards, every other character literal, anchored at both ends. */
export function globToRegExp(pattern: string): RegExp {
  let out = '^';
  for (const ch of pattern) {
    if (ch === '*') out += '.*';
    else if (ch === '?') out += '.';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${out}$`);
}
