import { z } from 'zod';
import { configSchema } from './schema/index.ts';

type JsonNode = { properties?: Record<string, JsonNode>; anyOf?: JsonNode[] };

let cached: JsonNode | undefined;

/** The field names the schema allows in the mapping at `path` (empty when unknown). */
export function knownKeys(path: readonly PropertyKey[]): string[] {
  cached ??= z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonNode;
  let node: JsonNode | undefined = cached;
  for (const segment of path) {
    node = node?.properties?.[String(segment)];
  }
  return Object.keys(node?.properties ?? {});
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The allowed key closest to a misspelt one (edit distance ≤ 2, case-insensitive), if any. */
export function suggestKey(path: readonly PropertyKey[], key: string): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const candidate of knownKeys(path)) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d <= 2 && (best === undefined || d < best.d)) best = { key: candidate, d };
  }
  return best?.key;
}
