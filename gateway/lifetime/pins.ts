import type { Pin } from './policy.ts';

/** One keep-warm rule of the configuration (`gateway.keepWarm.pins[]`). */
export interface PinRule {
  /** Runtime ids it applies to: `*` any run of characters, `?` one character, the rest literal. */
  pattern: string;
  alwaysWarm: boolean;
  /** ms; undefined: no cap. */
  maxIdle: number | undefined;
}

/** Compiled pins: the first rule whose pattern matches a runtime id applies to it. Pure. */
export class Pins {
  private readonly rules: Array<{ re: RegExp; pin: Pin }>;

  constructor(rules: readonly PinRule[]) {
    this.rules = rules.map((r) => ({
      re: globToRegExp(r.pattern),
      pin: { alwaysWarm: r.alwaysWarm, maxIdle: r.maxIdle },
    }));
  }

  /** The pin for `runtimeId`, or undefined. */
  match(runtimeId: string): Pin | undefined {
    for (const r of this.rules) if (r.re.test(runtimeId)) return r.pin;
    return undefined;
  }
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
