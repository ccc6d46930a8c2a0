/**
 * Builds Grafana dashboard JSON (schema for Grafana 10/11) from small panel specs, so the shipped
 * files in `metrics/grafana/dashboards/` stay consistent: one datasource variable, `pool` and `host`
 * variables, rows of panels on a 24-column grid, every query against `${datasource}`.
 */

/** One PromQL query of a panel. */
export interface QuerySpec {
  expr: string;
  legend: string;
}

/** One panel. */
export interface PanelSpec {
  title: string;
  description: string;
  /** Grafana unit id (`reqps`, `percentunit`, `s`, `short`, `bytes`, …). */
  unit: string;
  queries: QuerySpec[];
  type?: 'timeseries' | 'stat';
  /** Width in grid columns (24 = full width); default 12. */
  width?: number;
  stacked?: boolean;
}

/** A titled row of panels. */
export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

/** One dashboard. */
export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  /** Query whose label values fill the `host` variable. */
  hostQuery: string;
  rows: RowSpec[];
}

/** Grafana `schemaVersion` of Grafana 10.4 (read by Grafana 10 and 11 alike). */
export const SCHEMA_VERSION = 39;

// biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana variable reference, not a JS template
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;
const PANEL_HEIGHT = 8;

function variable(name: string, label: string, query: string, description: string) {
  return {
    name,
    label,
    description,
    type: 'query',
    datasource: DATASOURCE,
    definition: query,
    // A plain string: Grafana 10 and 11 both read it as a Prometheus variable query.
    query,
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    sort: 1,
    hide: 0,
    regex: '',
    options: [],
  };
}

function panel(spec: PanelSpec, id: number, x: number, y: number) {
  const type = spec.type ?? 'timeseries';
  const refIds = 'ABCDEFGHIJ';
  const targets = spec.queries.map((q, i) => ({
    datasource: DATASOURCE,
    refId: refIds[i],
    expr: q.expr,
    legendFormat: q.legend,
    editorMode: 'code',
    range: true,
    instant: false,
  }));
  const defaults: Record<string, unknown> = { unit: spec.unit, min: 0 };
  if (type === 'timeseries') {
    defaults.custom = {
      drawStyle: 'line',
      lineWidth: 1,
      fillOpacity: spec.stacked ? 30 : 10,
      showPoints: 'never',
      spanNulls: false,
      stacking: { mode: spec.stacked ? 'normal' : 'none', group: 'A' },
    };
  }
  return {
    id,
    type,
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    gridPos: { h: PANEL_HEIGHT, w: spec.width ?? 12, x, y },
    fieldConfig: { defaults, overrides: [] },
    options:
      type === 'timeseries'
        ? {
            legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
            tooltip: { mode: 'multi', sort: 'desc' },
          }
        : {
            reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
            colorMode: 'value',
            graphMode: 'area',
            textMode: 'auto',
          },
    targets,
  };
}

/** The Grafana dashboard JSON model for one spec. */
export function buildDashboard(spec: DashboardSpec): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    for (const p of row.panels) {
      const w = p.width ?? 12;
      if (x + w > 24) {
        x = 0;
        y += PANEL_HEIGHT;
      }
      panels.push(panel(p, id++, x, y));
      x += w;
    }
    y += PANEL_HEIGHT;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['fleetgate'],
    editable: true,
    graphTooltip: 1,
    timezone: 'browser',
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    fiscalYearStartMonth: 0,
    liveNow: false,
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    links: [
      {
        title: 'Fleetgate',
        type: 'dashboards',
        tags: ['fleetgate'],
        asDropdown: true,
        includeVars: true,
        keepTime: true,
      },
    ],
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
          refresh: 1,
          regex: '',
          options: [],
        },
        variable(
          'pool',
          'Pool',
          'label_values(up{job=~"fleetgate-.*"}, pool)',
          'Executor pool (the `pool` target label of gateways and executors, the `pool` label of scalers).',
        ),
        variable('host', 'Host', spec.hostQuery, 'Executor host id, as the gateways name it.'),
      ],
    },
    panels,
  };
}

/** Every PromQL expression of a spec, with the panel it belongs to. */
export function dashboardQueries(spec: DashboardSpec): { panel: string; expr: string; legend: string }[] {
  return spec.rows.flatMap((r) =>
    r.panels.flatMap((p) => p.queries.map((q) => ({ panel: p.title, expr: q.expr, legend: q.legend }))),
  );
}
