/**
 * Small builders for the Grafana dashboards in dashboards/, typed with Grafana's own schema types
 * (@grafana/schema), so that a dashboard that does not fit Grafana's model does not compile.
 *
 * Every query target is made here, and each remembers (outside the JSON, which Grafana must not see
 * extra fields in) what its panel needs from it: the columns of a SQL result, or that a PromQL
 * expression must return samples. The tests run every query on real servers and check exactly that.
 */
import {
  type Dashboard,
  type DataSourceRef,
  type DataTransformerConfig,
  type FieldConfig,
  GraphDrawStyle,
  LegendDisplayMode,
  type MatcherConfig,
  type Panel,
  ScaleDistribution,
  SortOrder,
  TooltipDisplayMode,
  type VariableModel,
  VariableRefresh,
  VariableSort,
} from '@grafana/schema';

/** Fixed uids, the same in provisioning/datasources/sgc.yaml: dashboards refer to them. */
export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: 'sgc-prometheus' };
export const POSTGRES: DataSourceRef = { type: 'grafana-postgresql-datasource', uid: 'sgc-postgres' };

/**
 * The dashboard schema version these are written for (Grafana 10.4 / 11.0). Newer Grafana versions
 * migrate older dashboards forward on load; older ones would not understand a newer version.
 */
export const SCHEMA_VERSION = 39;

export interface PromTarget {
  refId: string;
  datasource: DataSourceRef;
  expr: string;
  legendFormat?: string;
  instant?: boolean;
  range?: boolean;
  format?: 'time_series' | 'table';
  editorMode: 'code';
  [key: string]: unknown;
}

export interface SqlTarget {
  refId: string;
  datasource: DataSourceRef;
  rawSql: string;
  rawQuery: true;
  editorMode: 'code';
  format: 'table' | 'time_series';
  [key: string]: unknown;
}

export type Target = PromTarget | SqlTarget;

/** What a panel needs from one of its queries (kept out of the JSON). */
export interface QueryNeeds {
  /** SQL: the columns the panel reads, in this order at the front of the result. */
  columns?: string[];
}

const needs = new WeakMap<object, QueryNeeds>();

export function queryNeeds(target: object): QueryNeeds | undefined {
  return needs.get(target);
}

export function prom(expr: string, options: { legend?: string; instant?: boolean; table?: boolean } = {}) {
  const target: PromTarget = {
    refId: 'A',
    datasource: PROMETHEUS,
    editorMode: 'code',
    expr,
    ...(options.legend === undefined ? {} : { legendFormat: options.legend }),
    ...(options.instant ? { instant: true, range: false } : { range: true }),
    ...(options.table ? { format: 'table' } : {}),
  };
  needs.set(target, {});
  return target;
}

export function sql(rawSql: string, columns: string[], format: SqlTarget['format'] = 'table') {
  const target: SqlTarget = {
    refId: 'A',
    datasource: POSTGRES,
    editorMode: 'code',
    rawQuery: true,
    format,
    rawSql: dedent(rawSql),
  };
  needs.set(target, { columns });
  return target;
}

/** Removes the indentation template literals carry, so the SQL reads well in Grafana's editor. */
function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

export interface PanelSpec {
  title: string;
  description?: string;
  /** Width in Grafana's 24-column grid and height in rows (30 px). */
  w: number;
  h: number;
  targets: Target[];
  unit?: string;
  /** A log scale with this base on the value axis. */
  logBase?: number;
  transformations?: DataTransformerConfig[];
  overrides?: { matcher: MatcherConfig; properties: { id: string; value?: unknown }[] }[];
  fieldDefaults?: Partial<FieldConfig>;
}

function datasourceOf(targets: Target[]): DataSourceRef {
  const uids = new Set(targets.map((t) => t.datasource.uid));
  if (uids.size !== 1) throw new Error('a panel queries exactly one data source');
  return targets[0].datasource;
}

function lettered(targets: Target[]): Target[] {
  return targets.map((t, i) => {
    t.refId = String.fromCharCode(65 + i);
    return t;
  });
}

function graphCustom(spec: PanelSpec, drawPoints: boolean) {
  return {
    drawStyle: GraphDrawStyle.Line,
    lineWidth: 2,
    fillOpacity: 0,
    showPoints: drawPoints ? 'always' : 'never',
    pointSize: 6,
    spanNulls: true,
    axisPlacement: 'auto',
    scaleDistribution:
      spec.logBase === undefined
        ? { type: ScaleDistribution.Linear }
        : { type: ScaleDistribution.Log, log: spec.logBase },
  };
}

function basePanel(type: string, spec: PanelSpec): Panel {
  return {
    type,
    title: spec.title,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    datasource: datasourceOf(spec.targets),
    targets: lettered(spec.targets),
    gridPos: { x: 0, y: 0, w: spec.w, h: spec.h },
    ...(spec.transformations ? { transformations: spec.transformations } : {}),
  };
}

const legend = {
  displayMode: LegendDisplayMode.List,
  placement: 'bottom' as const,
  showLegend: true,
  calcs: [],
};
const tooltip = { mode: TooltipDisplayMode.Multi, sort: SortOrder.Descending };

/** Values over time. */
export function timeseries(spec: PanelSpec): Panel {
  return {
    ...basePanel('timeseries', spec),
    fieldConfig: {
      defaults: { unit: spec.unit, custom: graphCustom(spec, false), ...spec.fieldDefaults },
      overrides: spec.overrides ?? [],
    },
    options: { legend, tooltip },
  };
}

/**
 * Values against a numeric x that is not time (k, training step): Grafana's trend panel, which
 * draws like a time series but takes its x axis from the field `xField`.
 */
export function trend(spec: PanelSpec & { xField: string }): Panel {
  return {
    ...basePanel('trend', spec),
    fieldConfig: {
      defaults: { unit: spec.unit, custom: graphCustom(spec, true), ...spec.fieldDefaults },
      overrides: spec.overrides ?? [],
    },
    options: { xField: spec.xField, legend, tooltip },
  };
}

export function table(spec: PanelSpec): Panel {
  return {
    ...basePanel('table', spec),
    fieldConfig: { defaults: { unit: spec.unit, ...spec.fieldDefaults }, overrides: spec.overrides ?? [] },
    options: { showHeader: true, frameIndex: 0, cellHeight: 'sm' },
  };
}

export function stat(spec: PanelSpec): Panel {
  return {
    ...basePanel('stat', spec),
    fieldConfig: { defaults: { unit: spec.unit, ...spec.fieldDefaults }, overrides: spec.overrides ?? [] },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'value',
      graphMode: 'area',
      justifyMode: 'auto',
      textMode: 'auto',
      orientation: 'auto',
    },
  };
}

/**
 * A template variable whose values come from a query. `multi` variables are written `IN ($name)`
 * in SQL and `=~"$name"` in PromQL (Grafana quotes / regex-joins them); single ones `'$name'` and
 * `="$name"`.
 */
export function queryVariable(v: {
  name: string;
  label: string;
  datasource: DataSourceRef;
  query: string;
  multi?: boolean;
  sort?: VariableSort;
}): VariableModel {
  const multi = v.multi ?? false;
  const query =
    v.datasource.uid === PROMETHEUS.uid
      ? { query: v.query, refId: 'PrometheusVariableQueryEditor-VariableQuery', qryType: 1 }
      : dedent(v.query);
  return {
    name: v.name,
    label: v.label,
    type: 'query',
    datasource: v.datasource,
    query,
    ...(typeof query === 'string' ? { definition: query } : { definition: v.query }),
    refresh: VariableRefresh.onTimeRangeChanged,
    multi,
    includeAll: multi,
    // PromQL needs a regex that matches every value, not the list of values seen at load time.
    ...(multi && v.datasource.uid === PROMETHEUS.uid ? { allValue: '.*' } : {}),
    ...(multi ? { current: { text: 'All', value: '$__all' } } : {}),
    sort: v.sort ?? VariableSort.alphabeticalAsc,
    hide: 0,
    options: [],
    skipUrlSync: false,
  } as VariableModel;
}

/** Places panels left to right, wrapping at Grafana's 24 columns. */
function layout(panels: Panel[]): Panel[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return panels.map((panel, i) => {
    const { w, h } = panel.gridPos!;
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const placed = { ...panel, id: i + 1, gridPos: { x, y, w, h } };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return placed;
  });
}

export function dashboard(d: {
  uid: string;
  title: string;
  description: string;
  tags?: string[];
  time?: { from: string; to: string };
  refresh?: string;
  variables: VariableModel[];
  panels: Panel[];
}): Dashboard {
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: ['sgc', ...(d.tags ?? [])],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: d.refresh ?? '30s',
    time: d.time ?? { from: 'now-6h', to: 'now' },
    templating: { list: d.variables },
    annotations: { list: [] },
    links: [],
    panels: layout(d.panels),
  };
}

/** A column name matcher for field overrides. */
export function byName(name: string): MatcherConfig {
  return { id: 'byName', options: name };
}

export function byRegexp(pattern: string): MatcherConfig {
  return { id: 'byRegexp', options: pattern };
}
