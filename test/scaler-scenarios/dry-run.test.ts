/** The dry-run row of the scenario table: "any of the above" — so every scenario. */
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../scaler/simulate/scenarios.ts';
import { decisionOf, runScenario } from './support.ts';

const dryRun = (p: typeof import('./support.ts')['basePolicy']) => ({ ...p, mode: 'dryRun' as const });

describe('scenario: dry run', () => {
  it.each(Object.keys(SCENARIOS))('%s: the dry-run makes the same decisions as enforce', (name) => {
    const run = runScenario(name, (p) => p, dryRun);
    expect(run.shadowRecords.map(decisionOf)).toEqual(run.records.map(decisionOf));
    expect(run.shadowRecords.every((r) => r.mode === 'dryRun' && r.actions.every((a) => !a.execute))).toBe(
      true,
    );
  });

  it.each(Object.keys(SCENARIOS))('%s: a dry-run scaler writes nothing to the registry', (name) => {
    const run = runScenario(name, dryRun);
    expect(run.figures.registryWrites).toBe(0);
    expect(run.figures.hostsStarted).toBe(0);
    // It still records a decision every tick, with its planned actions.
    expect(run.records.length).toBeGreaterThan(0);
    const planned = run.records.flatMap((r) => r.actions);
    if (name !== 'noise' && name !== 'no-data') expect(planned.length).toBeGreaterThan(0);
    expect(planned.every((a) => !a.execute)).toBe(true);
  });
});
