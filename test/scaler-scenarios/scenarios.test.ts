/**
 * Every row of the scenario table in docs/scaling-policy.md, on the simulated clock, with its pass
 * criteria asserted as written. Defaults: target 8 in flight per host, interval 15 s, boot 45 s.
 */
import { describe, expect, it } from 'vitest';
import { NO_DATA_WINDOWS, OUTAGE } from '../../scaler/simulate/scenarios.ts';
import {
  basePolicy,
  directions,
  drains,
  inPanic,
  runScenario as runWith,
  sec,
  starts,
  stepValue,
  VARIANTS,
} from './support.ts';

const TICK = basePolicy.interval / 1000;
const DOWN_WINDOW = basePolicy.scaleDown.stabilizationWindow / 1000;
const TARGET = 8;

describe.each(VARIANTS)('$name policy', (variant) => {
  const runScenario = (name: string) => runWith(name, undefined, undefined, variant);

  describe('scenario: step up (demand 8 → 320 at t = 60 s)', () => {
    const run = runScenario('step-up');
    const ups = starts(run.records);

    it('scales up at most 1 tick after the step', () => {
      expect(ups.length).toBeGreaterThan(0);
      expect(sec(ups[0]!)).toBeGreaterThanOrEqual(60);
      expect(sec(ups[0]!)).toBeLessThanOrEqual(60 + TICK);
    });

    it('follows the rate policies (max of +4 hosts and +100 % per 15 s)', () => {
      for (const r of ups) {
        const earlier = run.records.filter((o) => o.time > r.time - 15_000 && o.time < r.time);
        const moved = earlier.reduce((n, o) => n + Math.max(0, o.desired - o.inputs.current), 0);
        const base = r.inputs.current - moved;
        expect(r.desired).toBeLessThanOrEqual(Math.max(base + 4, Math.ceil(base * 2)));
      }
    });

    it('reaches 40 hosts with an overshoot of at most 10 %', () => {
      expect(run.samples.at(-1)!.active).toBe(40);
      expect(run.figures.peakHosts).toBeGreaterThanOrEqual(40);
      expect(run.figures.peakHosts).toBeLessThanOrEqual(44);
    });

    it('does not scale down within the stabilization window after reaching 40', () => {
      const reached = run.records.find((r) => r.desired >= 40)!;
      expect(drains(run.records).filter((r) => r.time - reached.time <= DOWN_WINDOW * 1000)).toEqual([]);
    });
  });

  describe('scenario: step down (demand 320 → 40 at t = 120 s, 40 hosts)', () => {
    const run = runScenario('step-down');

    it('removes nothing before the scale-down stabilization window has passed', () => {
      const first = drains(run.records)[0]!;
      expect(sec(first)).toBeGreaterThanOrEqual(120 + DOWN_WINDOW);
    });

    it('ends at 5 hosts', () => {
      const last = run.samples.at(-1)!;
      expect(last.active + last.booting + last.draining).toBe(5);
    });

    it('drains every victim before it stops, cutting off zero executions', () => {
      const victims = drains(run.records).flatMap((r) =>
        r.actions.flatMap((a) => (a.type === 'drain' ? [a.hostId] : [])),
      );
      expect(victims).toHaveLength(35);
      expect(new Set(victims).size).toBe(35);
      expect(run.figures.hostsStoppedBusy).toBe(0);
      expect(run.figures.executionsCutOff).toBe(0);
    });
  });

  describe('scenario: spike (5× for 20 s)', () => {
    const run = runScenario('spike');
    const first = run.records.find((r) => r.time >= 300_000 && r.time < 320_000)!;

    it('panics at the first sample at or above 2× capacity', () => {
      const observed = (r: (typeof run.records)[number]) => {
        const m = r.inputs.metrics.inflight;
        return m?.ok ? m.value : Number.NaN;
      };
      expect(first.inputs.metrics.inflight).toEqual({ ok: true, value: 200 });
      expect(observed(first)).toBeGreaterThanOrEqual(2 * first.inputs.current * TARGET);
      // It is the first such sample: every earlier one was below twice the capacity it saw.
      const earlier = run.records.filter((r) => r.time < first.time);
      expect(earlier.filter((r) => observed(r) >= 2 * r.inputs.current * TARGET)).toEqual([]);
      expect(inPanic(first)).toBe(true);
      expect(run.records.filter((r) => r.time < first.time).some(inPanic)).toBe(false);
    });

    it('scales up within 1 tick', () => {
      expect(sec(starts(run.records)[0]!) - sec(first)).toBeLessThanOrEqual(TICK);
    });

    it('reverses direction at most once', () => {
      expect(run.figures.reversals).toBeLessThanOrEqual(1);
    });
  });

  describe('scenario: sine (160 ± 60·sin(2πt / 120 s) for 1 h)', () => {
    const run = runScenario('sine');
    const events = directions(run.records);

    it('reverses at most twice in any 5 minutes', () => {
      for (const e of events) {
        const inWindow = events.filter((o) => o.t >= e.t && o.t < e.t + 300);
        let reversals = 0;
        for (let i = 1; i < inWindow.length; i++) if (inWindow[i]!.up !== inWindow[i - 1]!.up) reversals++;
        expect(reversals).toBeLessThanOrEqual(2);
      }
    });

    it('stays within the churn budget', () => {
      const budget = run.policy.budget.maxScaleEventsPerHour!;
      for (const e of events)
        expect(events.filter((o) => o.t >= e.t && o.t < e.t + 3600).length).toBeLessThanOrEqual(budget);
    });

    it('keeps capacity ≥ peak × (1 − tolerance) at least 95 % of the time', () => {
      const peak = Math.max(...run.samples.map((s) => s.demand));
      const ok = run.samples.filter((s) => s.active * TARGET >= peak * (1 - run.policy.tolerance)).length;
      expect(ok / run.samples.length).toBeGreaterThanOrEqual(0.95);
    });
  });

  describe('scenario: noise (± 8 % jitter around the target)', () => {
    it('makes zero scale events', () => {
      const run = runScenario('noise');
      const demands = run.records.map((r) => (r.inputs.metrics.inflight as { value: number }).value);
      expect(Math.max(...demands)).toBeGreaterThan(80 * 1.05); // the jitter is really there
      expect(Math.min(...demands)).toBeLessThan(80 * 0.95);
      expect(run.figures.scaleEvents).toBe(0);
      expect(run.figures.registryWrites).toBe(0);
    });
  });

  describe('scenario: metric outage (503 for 5 min while demand falls)', () => {
    const run = runScenario('metric-outage');
    const during = run.records.filter((r) => r.time >= OUTAGE.from && r.time < OUTAGE.to);
    const after = basePolicy.fallback.afterFailures;

    it('holds with MetricNoData, then applies the fallback', () => {
      expect(during.length).toBe(20);
      expect(during.slice(0, after - 1).map((r) => r.reason)).toEqual(Array(after - 1).fill('MetricNoData'));
      expect(new Set(during.slice(after - 1).map((r) => r.reason))).toEqual(new Set(['Fallback']));
      for (const r of during) expect(r.desired).toBe(r.inputs.current);
    });

    it('does not scale down during or right after the outage (one scale-down window)', () => {
      const early = drains(run.records).filter((r) => r.time < OUTAGE.to + DOWN_WINDOW * 1000);
      expect(early).toEqual([]);
    });

    it('scales down on real data afterwards', () => {
      expect(run.samples.at(-1)!.active).toBe(2);
    });
  });

  describe('scenario: empty / NaN / two series, each in turn', () => {
    const run = runScenario('no-data');

    it.each(NO_DATA_WINDOWS.map((w, i) => [['empty', 'NaN', 'two series'][i]!, w] as const))(
      '%s: holds with reason MetricNoData and never reads it as zero',
      (_name, w) => {
        const ticks = run.records.filter((r) => r.time >= w.from && r.time < w.to);
        expect(ticks.length).toBe(2);
        for (const r of ticks) {
          expect(r.reason).toBe('MetricNoData');
          expect(stepValue(r, 'metric:inflight')).toBeNull();
          expect(stepValue(r, 'combine')).toBe(r.inputs.current);
          expect(r.desired).toBe(10);
          expect(r.actions).toEqual([]);
        }
      },
    );

    it('makes no scale event at all', () => {
      expect(run.figures.scaleEvents).toBe(0);
    });
  });

  describe('scenario: restart at 10 hosts under low load', () => {
    const run = runScenario('restart');
    const holdFor = basePolicy.startup.holdFor;

    it('does not scale down during startup.holdFor after each (re)start', () => {
      for (const start of run.starts) {
        expect(drains(run.records).filter((r) => r.time >= start && r.time < start + holdFor)).toEqual([]);
      }
      expect(drains(run.records).length).toBeGreaterThan(0); // low load does scale down after the hold
    });

    it('restarts mid-boot without starting duplicate hosts', () => {
      const restart = run.starts[1]!;
      // The second scaler's first tick finds hosts its predecessor started still booting...
      const beforeRestart = run.samples.find((s) => s.t === restart / 1000 - 1)!;
      const firstAfter = run.records.find((r) => r.time >= restart)!;
      expect(beforeRestart.booting).toBeGreaterThan(0);
      expect(firstAfter.inputs.hosts.booting).toBe(beforeRestart.booting);
      // ...and counts them instead of starting them again.
      expect(firstAfter.inputs.current).toBe(
        firstAfter.inputs.hosts.active + firstAfter.inputs.hosts.booting,
      );
      expect(run.figures.peakHosts).toBeLessThanOrEqual(160 / TARGET);
      expect(run.samples.at(-1)!.active).toBe(160 / TARGET);
    });
  });

  describe('scenario: slow boot (150 s; one host never finishes booting)', () => {
    const run = runScenario('slow-boot');
    const ideal = 160 / TARGET;

    it('counts booting hosts as capacity and requests at most ideal + 1 hosts', () => {
      for (const r of run.records)
        expect(r.inputs.current).toBe(r.inputs.hosts.active + r.inputs.hosts.booting);
      expect(1 + run.figures.hostsStarted).toBeLessThanOrEqual(ideal + 1);
    });

    it('replaces the host stuck past bootTimeout exactly once', () => {
      const replaced = run.records.flatMap((r) =>
        r.actions.flatMap((a) => (a.type === 'replace' ? [{ id: a.hostId, t: r.time }] : [])),
      );
      expect(replaced).toHaveLength(1);
      expect(run.figures.hostsReplaced).toBe(1);
      const startedAt = starts(run.records).find((r) => r.time <= replaced[0]!.t)!.time;
      expect(replaced[0]!.t - startedAt).toBeGreaterThan(basePolicy.capacity.bootTimeout);
      expect(run.samples.at(-1)!.active).toBe(ideal);
    });
  });

  describe('scenario: budget (demand 50 hosts, maxHosts 30)', () => {
    const run = runScenario('budget');

    it('stays ≤ 30 hosts even in panic, with reason BudgetLimited', () => {
      expect(Math.max(...run.samples.map((s) => s.active + s.booting))).toBeLessThanOrEqual(30);
      expect(run.records.some(inPanic)).toBe(true);
      const limited = run.records.filter((r) => r.reason === 'BudgetLimited');
      expect(limited.length).toBeGreaterThan(0);
      expect(limited.some(inPanic)).toBe(true);
      expect(run.samples.at(-1)!.active).toBe(30);
    });
  });
});
