/**
 * The one YAML locator: maps a field path (as a schema reports it) to where it was written in a
 * parsed document, for the configuration loader (`file:line:column`) and the policy parser
 * (`file:line`) alike. Pure: it walks an already parsed document.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

/** What to point at: the value at the path, or the key of the last map entry found along it. */
export type LocateTarget = 'value' | 'key';

/** A 1-based position in the source text. */
export interface YamlPosition {
  line: number;
  col: number;
}

/**
 * The source offset of `path` in `doc`. With `'value'`, the start of the value at the path (the key
 * when the value has no position of its own); with `'key'`, the key of the last map entry found, so
 * an unknown or misplaced key points at itself. When the path goes on past what the document holds
 * (a missing field), the deepest part that exists; undefined for an empty document.
 */
export function offsetOfPath(
  doc: Document.Parsed | Document,
  path: readonly PropertyKey[],
  target: LocateTarget = 'value',
): number | undefined {
  const resolve = (n: unknown) => (isAlias(n) ? n.resolve(doc) : n) as Node | null | undefined;
  let node = resolve(doc.contents);
  let offset = node?.range?.[0];
  for (const segment of path) {
    if (isMap(node)) {
      // Paths from a schema name map keys as strings; YAML keys may be numbers or booleans.
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      const keyOffset = (pair.key as Node | null)?.range?.[0];
      node = resolve(pair.value);
      const valueOffset = node?.range?.[0];
      offset = (target === 'key' ? keyOffset : (valueOffset ?? keyOffset)) ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = resolve(node.items[segment]);
      if (!item) break;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

/** The 1-based line and column of `path` in `doc` (see {@link offsetOfPath}). */
export function positionOfPath(
  doc: Document.Parsed | Document,
  path: readonly PropertyKey[],
  lineCounter: LineCounter,
  target: LocateTarget = 'value',
): YamlPosition | undefined {
  const offset = offsetOfPath(doc, path, target);
  return offset === undefined ? undefined : lineCounter.linePos(offset);
}
