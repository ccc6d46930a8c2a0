import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';

/** A parsed YAML config: its plain value, and a way to find the line of any field path. */
export interface YamlSource {
  value: unknown;
  /**
   * `line:column` (1-based) of the value at `path`, or of the key when `key` is set; when the path
   * does not exist (a missing field), the nearest enclosing node that does.
   */
  locate(path: readonly PropertyKey[], options?: { key?: boolean }): string | undefined;
}

/** A YAML syntax error with its position. */
export interface YamlSyntaxError {
  message: string;
  position: string | undefined;
}

/** Parses YAML text; returns the syntax errors (with `line:column`) instead when it is not valid YAML. */
export function parseYamlSource(text: string): YamlSource | { errors: YamlSyntaxError[] } {
  const lineCounter = new LineCounter();
  // prettyErrors: false keeps the source line (which may hold a secret) out of the messages.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number | undefined) => {
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return `${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    return { errors: doc.errors.map((e) => ({ message: e.message, position: position(e.pos[0]) })) };
  }
  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);
  const locate: YamlSource['locate'] = (path, options = {}) => {
    let node = resolve(doc.contents) as Node | null | undefined;
    let found: number | undefined = node?.range?.[0];
    for (const [i, segment] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        const keyStart = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
        const value = resolve(pair.value) as Node | null;
        found = (last && options.key) || !value?.range ? keyStart : value.range[0];
        node = value;
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
        node = resolve(node.items[segment]) as Node | null;
        found = node?.range?.[0] ?? found;
      } else {
        break;
      }
    }
    return position(found);
  };
  return { value: doc.toJS() ?? {}, locate };
}
