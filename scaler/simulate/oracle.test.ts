import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../policy/parse.ts';
import { decompose, expectedController, noiseFactor, oracleController, presentController } from './oracle.ts';
import { simulate } from './run.ts';
import { SCENARIO_POLICY_YAML } from './scenarios.ts';

const policy = parsePolicy(SCENARIO_POLICY_YAML, 'oracle test');
// 2 hosts' worth, 10 hosts' worth from 5 min to 10 min, then 2 again.
const demand = (t: number) => (t >= 300_000 && t < 600_000 ? 80 : 16);

function run(horizonMs: number) {
  return simulate({
    policy,
    demand,
    durationMs: 900_000,
    initialHosts: 2,
    controller: oracleController(demand, 8, horizonMs, { min: 1, max: 50 }),
  });
}

describe('oracleController', () => {
  it('asks for the peak need over the look-ahead, clamped', () => {
    const c = oracleController(demand, 8, 60_000, { min: 3, max: 9 });
    expect(c(0)).toBe(3); // 2 needed, min 3
    expect(c(240_000)).toBe(9); // the step at 300 s is within 60 s: 10 needed, max 9
    expect(c(239_000)).toBe(3);
  });

  it('with boot + tick of look-ahead serves every second, and drops hosts once the peak is behind', () => {
    const r = run(60_000);
    expect(r.figures.underProvisionedS).toBe(0);
    expect(r.figures.peakHosts).toBe(10);
    expect(r.figures.finalHosts).toBe(2);
    expect(r.records).toEqual([]); // evaluate() was not called
    // Started at the tick 60 s before the step, no earlier (8 hosts × 45 s booting + 15 s early),
    // drained at the tick of the drop (8 hosts × 1 s finishing their work).
    expect(r.figures.overProvisionedHostS).toBe(8 * 60 + 8 * 1);
  });

  it('trades unserved seconds for host·s with a shorter look-ahead', () => {
    const short = run(15_000);
    expect(short.figures.underProvisionedS).toBeGreaterThan(0);
    expect(short.figures.overProvisionedHostS).toBeLessThan(run(60_000).figures.overProvisionedHostS);
  });
});

describe('the noise-blind bound', () => {
  it('scales the expected demand by a quantile of demand ÷ expected', () => {
    // Expected 80; the demand is 80 × 0.9, 1.0, 1.1, 1.2 in turn, one value per second.
    const noisy = (t: number) => 80 * [0.9, 1, 1.1, 1.2][Math.floor(t / 1000) % 4]!;
    expect(noiseFactor(noisy, () => 80, 40_000, 1000, 0.5)).toBeCloseTo(1);
    expect(noiseFactor(noisy, () => 80, 40_000, 1000, 0.75)).toBeCloseTo(1.1);
    const c = expectedController(() => 80, 1.1, 8, 60_000, { min: 1, max: 50 });
    expect(c(0)).toBe(11);
  });

  it('decomposes a trend plus a period into its expected values, leaving the noise out', () => {
    const period = 6;
    const shape = [0, 5, 0, -5, 0, 0];
    const clean = Array.from({ length: 60 }, (_, i) => 50 + shape[i % period]!);
    const noise = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? 1 : -1) * (i % 7 === 0 ? 3 : 0));
    const expected = decompose(
      clean.map((v, i) => v + noise[i]!),
      period,
    );
    // Away from the ends, within the noise's share of a window (3 in 7 steps averaged out).
    for (let i = period; i < 60 - period; i++) expect(Math.abs(expected[i]! - clean[i]!)).toBeLessThan(1.5);
  });
});

describe('presentController', () => {
  // Expected 40 flat; the noise holds per minute: ×1.5 in minute 0, ×0.5 after.
  const expected = () => 40;
  const noisy = (t: number) => (t < 60_000 ? 60 : 20);

  it('provisions the rest of the step under way from its own ratio, and expected × factor after it', () => {
    const c = presentController(noisy, expected, 1.25, 8, 60_000, { min: 1, max: 50 });
    // At 0 s the look-ahead [0, 60 s] ends in minute 1: max(60, 40 × 1.25 = 50) / 8 → 8 hosts.
    expect(c(0)).toBe(8);
    // At 60 s minute 1 is under way at ×0.5 (20) until 120 s, the look-ahead's last second is
    // minute 2 (50): 7 hosts.
    expect(c(60_000)).toBe(7);
    // Mid-step with the look-ahead inside it: only what the present shows (20 → 3 hosts), where
    // the noise-blind bound asks for 50 / 8 → 7.
    const bounds = { min: 1, max: 50 };
    expect(presentController(noisy, expected, 1.25, 8, 30_000, bounds)(75_000)).toBe(3);
    expect(expectedController(expected, 1.25, 8, 30_000, bounds)(75_000)).toBe(7);
  });
});
