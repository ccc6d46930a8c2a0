import { readFileSync } from 'node:fs';
import type { RequestRecord } from './client.ts';

/** Where one host's in-flight load came from over a window. */
export interface HostShare {
  host: string;
  /** Mean requests in flight on the host over the window. */
  meanInflight: number;
  /** The runtimes that contributed most, with their share of the host's mean. */
  top: { runtimeId: string; meanInflight: number }[];
}

/** Per-host mean in flight over [from, to), split by runtime; busiest host first. */
export function explainWindow(
  records: readonly RequestRecord[],
  from: number,
  to: number,
  topN = 3,
): HostShare[] {
  const byHost = new Map<string, Map<string, number>>();
  for (const r of records) {
    if (!r.host) continue;
    const overlap = Math.min(r.end, to) - Math.max(r.sent, from);
    if (overlap <= 0) continue;
    const m = byHost.get(r.host) ?? new Map<string, number>();
    m.set(r.runtimeId, (m.get(r.runtimeId) ?? 0) + overlap / (to - from));
    byHost.set(r.host, m);
  }
  return [...byHost]
    .map(([host, m]) => ({
      host,
      meanInflight: [...m.values()].reduce((s, v) => s + v, 0),
      top: [...m]
        .sort((a, b) => b[1] - a[1])
        .slice(0, topN)
        .map(([runtimeId, meanInflight]) => ({ runtimeId, meanInflight })),
    }))
    .sort((a, b) => b.meanInflight - a.meanInflight);
}

/** For each runtime, the hosts that served it over [from, to) with their request counts. */
export function hostsPerRuntime(
  records: readonly RequestRecord[],
  from: number,
  to: number,
): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const r of records) {
    if (!r.host || r.at < from || r.at >= to) continue;
    const m = out.get(r.runtimeId) ?? new Map<string, number>();
    m.set(r.host, (m.get(r.host) ?? 0) + 1);
    out.set(r.runtimeId, m);
  }
  return out;
}

/**
 * `npx tsx bench/routing/explain.ts DUMP.json [steadyMs]`: where the steady phase's in-flight load
 * sat, from a `bench:routing --dump-records DIR` file (the steady phase is the first 40 % of a 20 s run).
 */
function main(): void {
  const [file, steady] = process.argv.slice(2);
  if (!file) throw new Error('usage: explain.ts DUMP.json [steadyMs]');
  const { records } = JSON.parse(readFileSync(file, 'utf8')) as { records: RequestRecord[] };
  const to = Number(steady ?? 8000);
  const shares = explainWindow(records, 0, to);
  const mean = shares.reduce((s, h) => s + h.meanInflight, 0) / Math.max(1, shares.length);
  for (const h of shares) {
    const top = h.top.map((t) => `${t.runtimeId.slice(0, 10)} ${t.meanInflight.toFixed(2)}`).join(', ');
    process.stdout.write(
      `${h.host} ${h.meanInflight.toFixed(2)} (${(h.meanInflight / mean).toFixed(2)}× avg): ${top}\n`,
    );
  }
  const spread = [...hostsPerRuntime(records, 0, to)]
    .filter(([, m]) => m.size > 1)
    .map(([id, m]) => `${id.slice(0, 10)} ${[...m].map(([h, n]) => `${h}:${n}`).join(' ')}`);
  process.stdout.write(
    `runtimes served by more than one host in the window: ${spread.length}\n${spread.join('\n')}\n`,
  );
}

if (process.argv[1]?.endsWith('explain.ts')) main();
