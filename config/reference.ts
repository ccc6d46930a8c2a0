import { z } from 'zod';
import { blockMarkers, cell, markdownTable, replaceBlock } from '../lib/markdown.ts';
import { ENV_MAPPINGS, type EnvMapping } from './env.ts';
import { configSchema } from './schema/index.ts';

/** The generated block of README.md that holds the configuration reference table. */
export const REFERENCE_BLOCK = 'config-reference';
/** The markers between which `npm run docs:write` keeps the README table. */
export const { start: REFERENCE_START, end: REFERENCE_END } = blockMarkers(REFERENCE_BLOCK);

interface JsonNode {
  type?: string | string[];
  kind?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonNode>;
  required?: string[];
  items?: JsonNode;
  anyOf?: JsonNode[];
  oneOf?: JsonNode[];
  minimum?: number;
  maximum?: number;
}

/** One row of the reference: a field of the configuration. */
export interface ReferenceRow {
  path: string;
  type: string;
  default: string;
  env: string[];
  description: string;
  /** A mapping (section) rather than a value. */
  section: boolean;
}

const code = (text: string) => `\`${text}\``;

const alternatives = (node: JsonNode) => node.anyOf ?? node.oneOf ?? [];

function typeOf(node: JsonNode): string {
  if (node.kind) return node.kind;
  if (node.const !== undefined) return code(String(node.const));
  if (node.enum) return node.enum.map((v) => code(String(v))).join(', ');
  if (node.type === 'array' && node.items) return `list of ${typeOf(node.items)}`;
  const alts = alternatives(node);
  if (node.type === undefined && alts.length > 0) return [...new Set(alts.map(typeOf))].join(' or ');
  const type = Array.isArray(node.type) ? node.type.join(' or ') : node.type;
  if (type === 'object') return 'mapping';
  return type ?? 'value';
}

function defaultOf(node: JsonNode, required: boolean): string {
  if (node.default === undefined) return required ? '**required**' : '—';
  if (typeof node.default === 'string') return code(node.default);
  const isObject = typeof node.default === 'object' && node.default !== null && !Array.isArray(node.default);
  if (isObject && Object.keys(node.default as object).length === 0) return '';
  return code(JSON.stringify(node.default));
}

/** The fields a node holds: its own properties, or those of its alternatives (a union of mappings). */
function fieldsOf(node: JsonNode): { key: string; child: JsonNode; required: boolean }[] {
  const holders = node.properties ? [node] : alternatives(node).filter((a) => a.properties);
  return holders.flatMap((h) =>
    Object.entries(h.properties ?? {}).map(([key, child]) => ({
      key,
      child,
      required: (h.required ?? []).includes(key),
    })),
  );
}

/**
 * Every field of `schema` in schema order: a mapping's row, then its fields'. A list of mappings
 * documents its items' fields under `path[]`; a union of mappings (a provider `type`, an `auth`
 * choice) documents every alternative's fields, one row per path, types joined when they differ.
 * `env` names the environment variables that set each path.
 */
export function schemaRows(schema: z.ZodType, env: readonly EnvMapping[] = []): ReferenceRow[] {
  const rootNode = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonNode;
  const rows = new Map<string, ReferenceRow>();
  const visit = (node: JsonNode, prefix: string[]) => {
    for (const { key, child, required } of fieldsOf(node)) {
      const path = [...prefix, key];
      const dotted = path.join('.');
      const items = child.type === 'array' ? child.items : undefined;
      const section = fieldsOf(child).length > 0;
      const previous = rows.get(dotted);
      if (previous) {
        // The same field in another alternative of a union: one row, every type it can take.
        const type = typeOf(child);
        if (!previous.type.split(', ').includes(type)) previous.type = `${previous.type}, ${type}`;
        previous.description ||= child.description ?? '';
      } else {
        rows.set(dotted, {
          path: dotted,
          type: typeOf(child),
          default: section && child.default === undefined ? '' : defaultOf(child, required),
          env: env
            .filter((m) => m.path.join('.') === dotted)
            .map((m) => (m.note ? `${code(m.env)} (${m.note})` : code(m.env))),
          description: child.description ?? '',
          section,
        });
      }
      if (section) visit(child, path);
      if (items && fieldsOf(items).length > 0) visit(items, [...prefix, `${key}[]`]);
    }
  };
  visit(rootNode, []);
  return [...rows.values()];
}

/** Every field of the configuration schema, with the environment variables that set it. */
export function referenceRows(): ReferenceRow[] {
  return schemaRows(configSchema, ENV_MAPPINGS);
}

/**
 * A Markdown reference table of `rows` (field, type, default, meaning; plus the environment
 * variables when `withEnv`), mappings in bold.
 */
export function renderRows(rows: readonly ReferenceRow[], withEnv: boolean): string {
  const header = withEnv
    ? ['field', 'type', 'default', 'environment', 'meaning']
    : ['field', 'type', 'default', 'meaning'];
  const body = rows.map((row) => {
    const cells = row.section
      ? [`**${code(row.path)}**`, cell(row.type), cell(row.default), cell(row.env.join(', '))]
      : [code(row.path), cell(row.type), cell(row.default), cell(row.env.join(', '))];
    if (!withEnv) cells.pop();
    return [...cells, cell(row.description)];
  });
  return markdownTable(header, body);
}

/** The README's configuration reference table (the text between the markers). */
export function renderReference(): string {
  return renderRows(referenceRows(), true);
}

/** Replaces the text between the reference markers in `readme`; throws when the markers are missing. */
export function replaceReference(readme: string, table: string = renderReference()): string {
  return replaceBlock(readme, REFERENCE_BLOCK, table, 'README');
}
