import { z } from 'zod';
import { ENV_MAPPINGS } from './env.ts';
import { configSchema } from './schema/index.ts';

/** The markers between which `scripts/config-reference.ts --write` keeps the README table. */
export const REFERENCE_START = '<!-- config-reference:start -->';
export const REFERENCE_END = '<!-- config-reference:end -->';

interface JsonNode {
  type?: string | string[];
  kind?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonNode>;
  required?: string[];
  items?: JsonNode;
  anyOf?: JsonNode[];
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

function typeOf(node: JsonNode): string {
  if (node.kind) return node.kind;
  if (node.enum) return node.enum.map((v) => code(String(v))).join(', ');
  if (node.type === 'array' && node.items) return `list of ${typeOf(node.items)}`;
  const type = Array.isArray(node.type) ? node.type.join(' or ') : node.type;
  if (type === 'object') return 'mapping';
  return type ?? 'value';
}

function defaultOf(node: JsonNode, required: boolean): string {
  if (node.default === undefined) return required ? '**required**' : '—';
  if (typeof node.default === 'object' && node.default !== null && !Array.isArray(node.default)) return '';
  return code(typeof node.default === 'string' ? node.default : JSON.stringify(node.default));
}

/** Every field of the schema, sections first then their fields, in schema order. */
export function referenceRows(): ReferenceRow[] {
  const rootNode = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonNode;
  const rows: ReferenceRow[] = [];
  const visit = (node: JsonNode, prefix: string[]) => {
    const required = new Set(node.required ?? []);
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const path = [...prefix, key];
      const dotted = path.join('.');
      const section = child.properties !== undefined;
      rows.push({
        path: dotted,
        type: typeOf(child),
        default: section ? '' : defaultOf(child, required.has(key)),
        env: ENV_MAPPINGS.filter((m) => m.path.join('.') === dotted).map((m) =>
          m.note ? `${code(m.env)} (${m.note})` : code(m.env),
        ),
        description: child.description ?? '',
        section,
      });
      if (section) visit(child, path);
    }
  };
  visit(rootNode, []);
  return rows;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * The Markdown reference table (the README text between the markers), with columns padded the way
 * Biome's Markdown formatter pads them, so `npm run lint` accepts the generated README.
 */
export function renderReference(): string {
  const header = ['field', 'type', 'default', 'environment', 'meaning'];
  const body = referenceRows().map((row) =>
    row.section
      ? [`**${code(row.path)}**`, 'mapping', '', '', cell(row.description)]
      : [code(row.path), cell(row.type), cell(row.default), cell(row.env.join(', ')), cell(row.description)],
  );
  const width = (text: string) => [...text].length;
  const widths = header.map((_, i) => Math.max(3, ...[header, ...body].map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c + ' '.repeat(widths[i]! - width(c))).join(' | ')} |`;
  return `${[line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n')}\n`;
}

/** Replaces the text between the reference markers in `readme`; throws when the markers are missing. */
export function replaceReference(readme: string, table: string = renderReference()): string {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start < 0 || end < start) {
    throw new Error(`README has no ${REFERENCE_START} … ${REFERENCE_END} block`);
  }
  return `${readme.slice(0, start + REFERENCE_START.length)}\n${table}${readme.slice(end)}`;
}
