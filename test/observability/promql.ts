import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CATALOGUE, catalogueEntries, seriesNames } from '../../metrics/catalogue.ts';

/** The repository's `metrics/` folder. */
export const METRICS_DIR = new URL('../../metrics/', import.meta.url);

/** One rule of a shipped rule file. */
export interface ShippedRule {
  group: string;
  record?: string;
  alert?: string;
  expr: string;
}

/** Every recording and alert rule of `metrics/prometheus/rules/*.yml`. */
export function shippedRules(): ShippedRule[] {
  return ['recording.yml', 'alerts.yml'].flatMap((file) => {
    const doc = parse(readFileSync(new URL(`prometheus/rules/${file}`, METRICS_DIR), 'utf8')) as {
      groups: { name: string; rules: { record?: string; alert?: string; expr: string }[] }[];
    };
    return doc.groups.flatMap((g) => g.rules.map((r) => ({ group: g.name, ...r, expr: r.expr.trim() })));
  });
}

/** Names a PromQL expression may reference: every exported series, recording rules and `up`. */
export function knownMetricNames(): Set<string> {
  const names = new Set<string>(['up']);
  for (const e of catalogueEntries()) for (const n of seriesNames(e)) names.add(n);
  for (const r of shippedRules()) if (r.record) names.add(r.record);
  return names;
}

const KEYWORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'rate',
  'irate',
  'increase',
  'histogram_quantile',
  'scalar',
  'vector',
  'clamp_min',
  'clamp_max',
  'min_over_time',
  'max_over_time',
  'avg_over_time',
  'label_values',
  'topk',
  'bottomk',
  'abs',
  'absent',
  'le',
  'inf',
  'nan',
]);

/**
 * Metric names referenced by a PromQL expression: identifiers that are neither functions, keywords,
 * label names inside `{…}`/`by (…)`, nor string contents. Good enough for the expressions shipped here.
 */
export function referencedMetrics(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, '{}') // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\[[^\]]*\]/g, '[]'); // range selectors
  const found = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = m[0];
    const next = stripped.slice((m.index ?? 0) + word.length).trimStart();
    if (KEYWORDS.has(word.toLowerCase()) || next.startsWith('(')) continue;
    found.add(word);
  }
  return [...found];
}

/** How the test fills in Grafana's variables before sending a panel query to Prometheus. */
export function substitute(expr: string, vars: Record<string, string>): string {
  return expr.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => vars[name] ?? whole);
}

/** A small client of the Prometheus HTTP API. */
export class PromApi {
  constructor(readonly url: string) {}

  /** An instant query; throws with Prometheus's error when the expression does not parse or fails. */
  async query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const body = new URLSearchParams({ query: expr });
    const res = await fetch(`${this.url}/api/v1/query`, { method: 'POST', body });
    const json = (await res.json()) as { status: string; error?: string; data?: { result: [] } };
    if (json.status !== 'success') throw new Error(`${expr}: ${json.error ?? res.status}`);
    return json.data?.result ?? [];
  }

  /** Values of a label over the series matching `match` (what Grafana's label_values() runs). */
  async labelValues(label: string, match: string): Promise<string[]> {
    const q = new URLSearchParams({ 'match[]': match });
    const res = await fetch(`${this.url}/api/v1/label/${label}/values?${q}`);
    const json = (await res.json()) as { status: string; error?: string; data?: string[] };
    if (json.status !== 'success') throw new Error(`label_values(${match}, ${label}): ${json.error}`);
    return json.data ?? [];
  }

  /** Every metric name Prometheus holds. */
  async names(): Promise<string[]> {
    const res = await fetch(`${this.url}/api/v1/label/__name__/values`);
    return ((await res.json()) as { data: string[] }).data;
  }

  /** The loaded rule groups with each rule's health. */
  async rules(): Promise<{ name: string; rules: { name: string; health: string; lastError?: string }[] }[]> {
    const res = await fetch(`${this.url}/api/v1/rules`);
    return ((await res.json()) as { data: { groups: [] } }).data.groups;
  }
}

/** The catalogue's processes, for messages. */
export const PROCESS_PREFIXES = CATALOGUE.map((p) => p.prefix);

/** A panel of a shipped dashboard file, as Grafana will read it. */
export interface ShippedPanel {
  title: string;
  exprs: string[];
}

/** The shipped dashboards (`metrics/grafana/dashboards/*.json`): their panels and variable queries. */
export function shippedDashboards(): {
  file: string;
  panels: ShippedPanel[];
  variables: Record<string, string>;
}[] {
  const dir = new URL('grafana/dashboards/', METRICS_DIR);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const d = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as {
        panels: { type: string; title: string; targets?: { expr: string }[] }[];
        templating: { list: { name: string; type: string; query: unknown }[] };
      };
      return {
        file,
        panels: d.panels
          .filter((p) => p.type !== 'row')
          .map((p) => ({ title: p.title, exprs: (p.targets ?? []).map((t) => t.expr) })),
        variables: Object.fromEntries(
          d.templating.list.filter((v) => v.type === 'query').map((v) => [v.name, String(v.query)]),
        ),
      };
    });
}

/** `label_values(<selector>, <label>)` split into its parts; throws on any other variable query. */
export function labelValuesQuery(query: string): { match: string; label: string } {
  const m = /^label_values\((.+),\s*(\w+)\)$/.exec(query.trim());
  if (!m) throw new Error(`not a label_values() query: ${query}`);
  return { match: m[1]!, label: m[2]! };
}
