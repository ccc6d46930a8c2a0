import { FleetgateError } from '../lib/errors.ts';

/** A source of numbers in [0, 1); seeded in tests and benchmarks. */
export type Random = () => number;

/** A duration distribution in milliseconds, drawn with an injected Random. */
export type Distribution =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'exponential'; meanMs: number }
  | { kind: 'lognormal'; medianMs: number; sigma: number };

/** Draws one value (ms, ≥ 0) from a distribution. */
export function draw(dist: Distribution, random: Random): number {
  switch (dist.kind) {
    case 'fixed':
      return dist.ms;
    case 'uniform':
      return dist.minMs + (dist.maxMs - dist.minMs) * random();
    case 'exponential':
      return -dist.meanMs * Math.log(1 - random());
    case 'lognormal': {
      // Box-Muller: one standard normal from two uniforms.
      const u = 1 - random();
      const v = random();
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      return dist.medianMs * Math.exp(dist.sigma * z);
    }
  }
}

/**
 * Parses `300`, `fixed:300`, `uniform:100:500`, `exponential:200` or `lognormal:300:0.5`
 * (milliseconds; lognormal takes the median and sigma).
 */
export function parseDistribution(text: string): Distribution {
  const parts = text.trim().split(':');
  const nums = parts.slice(1).map(Number);
  const bad = () =>
    new FleetgateError(
      'EXECUTOR_BAD_DISTRIBUTION',
      `invalid distribution "${text}": expected <ms>, fixed:<ms>, uniform:<min>:<max>, exponential:<mean> or lognormal:<median>:<sigma>`,
    );
  if (nums.some((n) => !Number.isFinite(n) || n < 0)) throw bad();
  const [a, b] = nums;
  if (parts.length === 1) {
    const ms = Number(parts[0]);
    if (parts[0] === '' || !Number.isFinite(ms) || ms < 0) throw bad();
    return { kind: 'fixed', ms };
  }
  switch (parts[0]) {
    case 'fixed':
      if (nums.length !== 1) throw bad();
      return { kind: 'fixed', ms: a! };
    case 'uniform':
      if (nums.length !== 2 || b! < a!) throw bad();
      return { kind: 'uniform', minMs: a!, maxMs: b! };
    case 'exponential':
      if (nums.length !== 1) throw bad();
      return { kind: 'exponential', meanMs: a! };
    case 'lognormal':
      if (nums.length !== 2) throw bad();
      return { kind: 'lognormal', medianMs: a!, sigma: b! };
    default:
      throw bad();
  }
}
