import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, catalogueEntries, createProcessRegistry, defaultProcessMetrics } from './catalogue.ts';
import { buildMetrics } from './define.ts';
import { renderMetricsReference } from './reference.ts';

const entries = catalogueEntries();
const named = entries.map((e) => [e.name, e] as const);

/** Label names that would make cardinality unbounded (one series per runtime or execution). */
const UNBOUNDED_LABELS = /runtime|execution|deployment|function|request_?id|^id$|^url$|^path$|^ip$|^user/i;
/** Prometheus base units: durations in seconds, sizes in bytes (never ms, kb, mb…). */
const NON_BASE_UNITS =
  /_(ms|milliseconds|microseconds|us|ns|minutes|hours|kb|mb|gb|kib|mib|gib|percent)(_|$)/;

describe('metrics catalogue', () => {
  it('holds the gateway, scaler and executor tables', () => {
    expect(CATALOGUE.map((p) => p.process)).toEqual(['gateway', 'scaler', 'executor']);
    for (const p of CATALOGUE) expect(Object.keys(p.table).length).toBeGreaterThan(3);
  });

  it('has no metric name twice, across processes', () => {
    const names = entries.map((e) => e.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it.each(named)('%s follows the Prometheus naming conventions', (name, e) => {
    const prefix = CATALOGUE.find((p) => p.process === e.process)!.prefix;
    expect(name.startsWith(prefix), `prefix ${prefix}`).toBe(true);
    expect(name).toMatch(/^[a-z][a-z0-9_]*[a-z0-9]$/);
    expect(name).not.toMatch(/__/);
    expect(name).not.toMatch(NON_BASE_UNITS);
    if (e.type === 'counter') expect(name, 'a counter ends in _total').toMatch(/_total$/);
    else expect(name, 'only counters end in _total').not.toMatch(/_total$/);
    if (e.unit === 'seconds') expect(name, 'a duration ends in _seconds').toMatch(/_seconds(_total)?$/);
    if (e.unit === 'bytes') expect(name, 'a size ends in _bytes').toMatch(/_bytes(_total)?$/);
    if (/_seconds(_total)?$/.test(name)) expect(e.unit).toBe('seconds');
    if (/_bytes(_total)?$/.test(name)) expect(e.unit).toBe('bytes');
    if (e.type === 'histogram') {
      expect(e.unit, 'histograms here measure durations or sizes').toMatch(/^(seconds|bytes)$/);
      expect(e.buckets?.length ?? 0).toBeGreaterThan(0);
    }
  });

  it.each(named)('%s has bounded, well-formed labels and a help text', (_name, e) => {
    for (const label of e.labels) {
      expect(label).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(label.startsWith('__')).toBe(false);
      expect(label, 'unbounded label').not.toMatch(UNBOUNDED_LABELS);
      // Prometheus sets these on every series; a metric label of the same name would be renamed.
      expect(['job', 'instance', 'le', 'quantile']).not.toContain(label);
    }
    expect(new Set(e.labels).size).toBe(e.labels.length);
    expect(e.help.length).toBeGreaterThan(10);
    expect(e.unit.length).toBeGreaterThan(0);
  });

  it('registers every table on a fresh registry without clashes', async () => {
    const registry = new Registry();
    for (const p of CATALOGUE) buildMetrics(p.table, registry);
    const registered = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
    expect(registered).toEqual(entries.map((e) => e.name).sort());
  });

  it('turns the default process metrics on in createProcessRegistry', async () => {
    const text = await createProcessRegistry().metrics();
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(text).toContain(`\n${name} `);
    }
  });
});

describe('metrics/REFERENCE.md', () => {
  it('is the generated reference (run `npx tsx scripts/metrics-reference.ts --write` when this fails)', async () => {
    const shipped = readFileSync(new URL('./REFERENCE.md', import.meta.url), 'utf8');
    expect(shipped).toBe(renderMetricsReference(await defaultProcessMetrics()));
  });

  it.each(named)('documents %s with its type and labels', (name, e) => {
    const shipped = readFileSync(new URL('./REFERENCE.md', import.meta.url), 'utf8');
    const line = shipped.split('\n').find((l) => l.startsWith(`| \`${name}\` `));
    expect(line).toBeDefined();
    expect(line).toContain(` ${e.type} `);
    for (const label of e.labels) expect(line).toContain(`\`${label}\``);
  });
});
