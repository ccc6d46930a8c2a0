/**
 * Maps a path inside a parsed YAML document to the line it was written on, so schema errors can say
 * `policy.yaml:12`. config/yaml-source.ts has the same walk bound to a single-document parse; a
 * policy file may be a multi-document stream, so this one takes any document's root node.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

/**
 * The 1-based line of the deepest node along `path` (the key's line for a map entry, so an
 * unknown key points at itself); undefined when not even the first step exists.
 */
export function lineOfPath(
  doc: Document,
  path: readonly PropertyKey[],
  lineCounter: LineCounter,
): number | undefined {
  const resolve = (n: unknown) => (isAlias(n) ? n.resolve(doc) : n) as Node | null | undefined;
  let node = resolve(doc.contents);
  let offset = node?.range?.[0];
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === segment);
      if (!pair) break;
      const keyOffset = (pair.key as Node | null)?.range?.[0];
      offset = keyOffset ?? offset;
      node = resolve(pair.value);
      // A scalar value reads better on its own line when it has one (a block scalar, say).
      if (isScalar(node) && node.range) offset = keyOffset ?? node.range[0];
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = resolve(node.items[segment]);
      if (!item) break;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}
