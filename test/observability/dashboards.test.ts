import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SCHEMA_VERSION } from '../../metrics/grafana/build.ts';
import { DASHBOARDS } from '../../metrics/grafana/dashboards.ts';
import { dashboardText } from '../../metrics/grafana/write.ts';
import { knownMetricNames, METRICS_DIR, referencedMetrics, shippedRules } from './promql.ts';

interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { expr: string; refId: string; datasource: { uid: string } }[];
}
interface GrafanaDashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  templating: { list: { name: string; type: string; query: unknown; datasource?: { uid: string } }[] };
  panels: GrafanaPanel[];
}

const dir = new URL('grafana/dashboards/', METRICS_DIR);
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const shipped = files.map(
  (f) => [f, JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as GrafanaDashboard] as const,
);
const known = knownMetricNames();
/** Grafana's reference to the datasource variable. */
const DS = ['$', '{datasource}'].join('');

describe('Grafana dashboards', () => {
  it('ships exactly the generated dashboards (run `npx tsx metrics/grafana/write.ts` when this fails)', () => {
    expect(files.sort()).toEqual(Object.keys(DASHBOARDS).sort());
    for (const f of files) expect(readFileSync(new URL(f, dir), 'utf8'), f).toBe(dashboardText(f));
  });

  it('has distinct uids and titles', () => {
    const uids = shipped.map(([, d]) => d.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(new Set(shipped.map(([, d]) => d.title)).size).toBe(uids.length);
  });

  it.each(shipped)('%s: Grafana 10/11 schema with datasource, pool and host variables', (_f, d) => {
    expect(d.schemaVersion).toBe(SCHEMA_VERSION);
    expect(d.templating.list.map((v) => [v.name, v.type])).toEqual([
      ['datasource', 'datasource'],
      ['pool', 'query'],
      ['host', 'query'],
    ]);
    for (const v of d.templating.list.slice(1)) expect(v.datasource?.uid).toBe(DS);
  });

  it.each(shipped)(
    '%s: every panel queries the datasource variable, ids unique, grid within 24 columns',
    (_f, d) => {
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      const panels = d.panels.filter((p) => p.type !== 'row');
      expect(panels.length).toBeGreaterThan(5);
      for (const p of panels) {
        expect(p.datasource?.uid, p.title).toBe(DS);
        expect(p.targets?.length, p.title).toBeGreaterThan(0);
        expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
        const refIds = p.targets!.map((t) => t.refId);
        expect(new Set(refIds).size).toBe(refIds.length);
        for (const t of p.targets!) expect(t.datasource.uid).toBe(DS);
      }
    },
  );

  it.each(shipped)(
    '%s: panels reference only metrics Fleetgate exports or the shipped rules record',
    (_f, d) => {
      const unknown = d.panels
        .flatMap((p) => (p.targets ?? []).map((t) => [p.title, t.expr] as const))
        .flatMap(([title, expr]) => referencedMetrics(expr).map((m) => [title, m] as const))
        .filter(([, m]) => !known.has(m));
      expect(unknown).toEqual([]);
    },
  );

  it.each(shipped)('%s: every panel selects by the pool variable', (_f, d) => {
    for (const p of d.panels.filter((x) => x.type !== 'row')) {
      for (const t of p.targets!) expect(t.expr, p.title).toContain('pool=~"$pool"');
    }
  });
});

describe('referencedMetrics', () => {
  it.each([
    ['sum by (host) (rate(a_total{pool=~"$pool"}[$__rate_interval]))', ['a_total']],
    ['histogram_quantile(0.95, sum by (le, host) (rate(x_bucket{h="y"}[5m])))', ['x_bucket']],
    ['(sum(rate(a{s="5xx"}[1m])) or vector(0)) / sum(rate(a[1m]))', ['a']],
    ['max by (p) (m) / on (p) group_left max by (p) (n{state="active"})', ['m', 'n']],
    [
      'pool:x:rate5m{pool=~"$pool"} > 0.05 and on (pool) pool:y:rate5m > 0.1',
      ['pool:x:rate5m', 'pool:y:rate5m'],
    ],
  ])('%s', (expr, names) => {
    expect(referencedMetrics(expr).sort()).toEqual([...names].sort());
  });
});

describe('Prometheus rules and provisioning', () => {
  it.each(shippedRules().map((r) => [r.record ?? r.alert!, r.expr] as const))(
    '%s references only exported metrics and recording rules',
    (_name, expr) => {
      expect(referencedMetrics(expr).filter((m) => !known.has(m))).toEqual([]);
    },
  );

  it('provisions the Prometheus datasource and the dashboards folder', () => {
    const ds = parse(
      readFileSync(new URL('grafana/provisioning/datasources/prometheus.yml', METRICS_DIR), 'utf8'),
    );
    expect(ds.datasources).toEqual([
      expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' }),
    ]);
    const dash = parse(
      readFileSync(new URL('grafana/provisioning/dashboards/fleetgate.yml', METRICS_DIR), 'utf8'),
    );
    expect(dash.providers[0]).toMatchObject({
      type: 'file',
      options: { path: '/var/lib/grafana/dashboards/fleetgate' },
    });
  });
});
