import { FleetgateError } from '../../lib/errors.ts';
import { LABEL_NAME, METRIC_NAME } from './prom-names.ts';
import type { RawSample } from './reading.ts';

/** A label matcher of a series selector, as in PromQL. */
export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** The PromQL subset the gateway source computes in process. */
export interface ParsedQuery {
  /** Absent: the selector's series themselves. */
  aggregation?: 'sum' | 'max' | 'min' | 'avg' | 'count';
  /** `by (…)` labels; empty means one group. */
  by: string[];
  metric: string;
  matchers: Matcher[];
}

/** The query is outside the subset the gateway source supports. */
export class UnsupportedQueryError extends FleetgateError {
  constructor(query: string, why: string) {
    super(
      'SOURCE_UNSUPPORTED_QUERY',
      `the gateway source cannot compute "${query}": ${why}; supported: ` +
        'metric{label="v",…} or sum|max|min|avg|count [by (l,…)] (metric{…}) [by (l,…)] ' +
        '(matchers =, !=, =~, !~); use a prometheus source for anything else',
    );
  }
}

const AGG = /^(sum|max|min|avg|count)\b/;

/**
 * Parses the supported PromQL subset (pure): a selector `metric{l="v",l!="v",l=~"re",l!~"re"}`,
 * optionally inside one aggregation `sum|max|min|avg|count`, with `by (labels)` before or after.
 */
export function parseQuery(query: string): ParsedQuery {
  let rest = query.trim();
  const fail = (why: string): never => {
    throw new UnsupportedQueryError(query, why);
  };
  const aggregation = AGG.exec(rest)?.[0] as ParsedQuery['aggregation'];
  let by: string[] = [];
  if (aggregation) {
    rest = rest.slice(aggregation.length).trimStart();
    [by, rest] = parseBy(rest, fail);
    if (!rest.startsWith('(')) fail(`expected ( after ${aggregation}`);
    const close = matchingParen(rest);
    if (close < 0) fail('unbalanced parentheses');
    const after = rest.slice(close + 1).trim();
    rest = rest.slice(1, close).trim();
    if (after !== '') {
      if (by.length > 0) fail('by (…) given twice');
      let trailing: string;
      [by, trailing] = parseBy(after, fail);
      if (trailing !== '') fail(`unexpected "${trailing}"`);
    }
  }
  const metric = METRIC_NAME.exec(rest)?.[0];
  if (!metric) return fail('expected a metric name');
  rest = rest.slice(metric.length).trim();
  const matchers: Matcher[] = [];
  if (rest.startsWith('{')) {
    const end = rest.lastIndexOf('}');
    if (end < 0) fail('unterminated {');
    parseMatchers(rest.slice(1, end), matchers, fail);
    rest = rest.slice(end + 1).trim();
  }
  if (rest !== '') fail(`unexpected "${rest}"`);
  const parsed: ParsedQuery = { by, metric, matchers };
  if (aggregation) parsed.aggregation = aggregation;
  return parsed;
}

/** Index of the parenthesis closing the one at index 0, skipping quoted strings; -1 if none. */
function matchingParen(input: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return -1;
}

function parseBy(input: string, fail: (why: string) => never): [string[], string] {
  if (/^without\b/.test(input)) fail('without (…) is not supported');
  if (!/^by\b/.test(input)) return [[], input];
  const rest = input.slice(2).trimStart();
  const close = rest.indexOf(')');
  if (!rest.startsWith('(') || close < 0) fail('expected by (label, …)');
  const labels = rest
    .slice(1, close)
    .split(',')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  for (const l of labels)
    if (!LABEL_NAME.test(l) || LABEL_NAME.exec(l)?.[0] !== l) fail(`bad label "${l}" in by (…)`);
  return [labels, rest.slice(close + 1).trimStart()];
}

function parseMatchers(input: string, out: Matcher[], fail: (why: string) => never): void {
  let rest = input.trim();
  while (rest !== '') {
    const label = LABEL_NAME.exec(rest)?.[0];
    if (!label) fail(`expected a label name at "${rest}"`);
    rest = rest.slice(label!.length).trimStart();
    const op = (['=~', '!~', '!=', '='] as const).find((o) => rest.startsWith(o));
    if (!op) fail(`expected =, !=, =~ or !~ after ${label}`);
    rest = rest.slice(op!.length).trimStart();
    const quote = rest[0];
    if (quote !== '"' && quote !== "'") fail(`expected a quoted value for ${label}`);
    let value = '';
    let i = 1;
    for (; i < rest.length && rest[i] !== quote; i++) {
      if (rest[i] === '\\') {
        const next = rest[++i];
        value += next === 'n' ? '\n' : (next ?? '');
      } else value += rest[i];
    }
    if (i >= rest.length) fail(`unterminated value for ${label}`);
    if (op === '=~' || op === '!~') {
      try {
        new RegExp(`^(?:${value})$`);
      } catch {
        fail(`invalid regular expression "${value}" for ${label}`);
      }
    }
    out.push({ label: label!, op: op!, value });
    rest = rest.slice(i + 1).trimStart();
    if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
    else if (rest !== '') fail(`expected , between matchers at "${rest}"`);
  }
}

/** Whether one series matches every matcher (regexes are anchored, as in PromQL; pure). */
export function matches(labels: Record<string, string>, matchers: Matcher[]): boolean {
  return matchers.every(({ label, op, value }) => {
    const actual = labels[label] ?? '';
    switch (op) {
      case '=':
        return actual === value;
      case '!=':
        return actual !== value;
      case '=~':
        return new RegExp(`^(?:${value})$`).test(actual);
      default:
        return !new RegExp(`^(?:${value})$`).test(actual);
    }
  });
}

/** Named samples, as scraped (the metric name is the sample's `name`). */
export interface NamedSample extends RawSample {
  name: string;
}

/**
 * Evaluates a parsed query over scraped samples (pure). Aggregations drop every label but the
 * `by` labels, as PromQL does; an aggregation over no series gives no series (then `empty`).
 */
export function evaluateQuery(query: ParsedQuery, samples: NamedSample[]): RawSample[] {
  const selected = samples.filter((s) => s.name === query.metric && matches(s.labels, query.matchers));
  if (!query.aggregation)
    return selected.map(({ labels, value, timestampMs }) => ({ labels, value, timestampMs }));
  const groups = new Map<string, { labels: Record<string, string>; values: number[]; oldest?: number }>();
  for (const s of selected) {
    const labels = Object.fromEntries(
      query.by.filter((l) => s.labels[l] !== undefined).map((l) => [l, s.labels[l]!]),
    );
    const key = JSON.stringify(query.by.map((l) => labels[l] ?? ''));
    const group = groups.get(key) ?? { labels, values: [] };
    group.values.push(s.value);
    if (s.timestampMs !== undefined) group.oldest = Math.min(group.oldest ?? s.timestampMs, s.timestampMs);
    groups.set(key, group);
  }
  return [...groups.values()].map((g) => {
    const out: RawSample = { labels: g.labels, value: aggregate(query.aggregation!, g.values) };
    if (g.oldest !== undefined) out.timestampMs = g.oldest;
    return out;
  });
}

function aggregate(op: NonNullable<ParsedQuery['aggregation']>, values: number[]): number {
  switch (op) {
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'count':
      return values.length;
  }
}
