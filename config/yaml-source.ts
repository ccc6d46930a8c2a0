import { LineCounter, parseDocument } from 'yaml';
import { offsetOfPath } from '../lib/yaml-locate.ts';

/** A parsed YAML config: its plain value, and a way to find the line of any field path. */
export interface YamlSource {
  value: unknown;
  /**
   * `line:column` (1-based) of the value at `path`, or of the key when `key` is set; when the path
   * does not exist (a missing field), the nearest enclosing node that does (lib/yaml-locate.ts).
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
  const locate: YamlSource['locate'] = (path, options = {}) =>
    position(offsetOfPath(doc, path, options.key ? 'key' : 'value'));
  return { value: doc.toJS() ?? {}, locate };
}
