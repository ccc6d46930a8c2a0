import { readFileSync } from 'node:fs';
import type { RequestRecord } from './client.ts';

/** One (runtime, host) pair's first request: the one that met the cold start. */
export interface FirstOnHost {
  runtimeId: string;
  host: string;
  /** Send time of the first request on the pair, ms after the start. */
  sent: number;
  /** How many hosts had served the runtime before (0: the runtime's first host). */
  nth: number;
  /** The runtime's requests in the whole run (its popularity). */
  requests: number;
}

/** Every (runtime, host) pair in order of first use: each is one cold start the router caused. */
export function firstOnHost(records: readonly RequestRecord[]): FirstOnHost[] {
  const requests = new Map<string, number>();
  for (const r of records) requests.set(r.runtimeId, (requests.get(r.runtimeId) ?? 0) + 1);
  const seen = new Map<string, Set<string>>();
  const out: FirstOnHost[] = [];
  for (const r of [...records].sort((a, b) => a.sent - b.sent)) {
    if (!r.host) continue;
    const hosts = seen.get(r.runtimeId) ?? new Set<string>();
    seen.set(r.runtimeId, hosts);
    if (hosts.has(r.host)) continue;
    out.push({
      runtimeId: r.runtimeId,
      host: r.host,
      sent: r.sent,
      nth: hosts.size,
      requests: requests.get(r.runtimeId) ?? 0,
    });
    hosts.add(r.host);
  }
  return out;
}

/**
 * `npx tsx bench/routing/pairs.ts DUMP.json [phaseEdgesMs]`: the cold starts of a run as (runtime,
 * host) pairs, split by phase and by whether they were the runtime's first host, from a
 * `bench:routing --dump-records DIR` file.
 */
function main(): void {
  const [file, edges] = process.argv.slice(2);
  if (!file) throw new Error('usage: pairs.ts DUMP.json [8000,12000,16000]');
  const { records } = JSON.parse(readFileSync(file, 'utf8')) as { records: RequestRecord[] };
  const cuts = (edges ?? '8000,12000,16000').split(',').map(Number);
  const phase = (t: number) => cuts.filter((c) => t >= c).length;
  const pairs = firstOnHost(records);
  const table = new Map<string, number>();
  for (const p of pairs) {
    const k = `phase ${phase(p.sent)} ${p.nth === 0 ? 'first host' : `host #${p.nth + 1}`} ${p.requests >= 100 ? 'hot(>=100 req)' : 'tail'}`;
    table.set(k, (table.get(k) ?? 0) + 1);
  }
  for (const [k, n] of [...table].sort()) process.stdout.write(`${k}: ${n}\n`);
  process.stdout.write(`pairs: ${pairs.length}\n`);
  const slow = records
    .filter((r) => !r.error)
    .map((r) => r.end - r.at)
    .sort((a, b) => a - b);
  process.stdout.write(
    `requests ${records.length}, p99 ${Math.round(slow[Math.floor(slow.length * 0.99)] ?? 0)} ms, >= 500 ms: ${slow.filter((v) => v >= 500).length}\n`,
  );
  // Time outside the executor: the router, the network and the client (the executor's own duration
  // includes its cold start and slot wait).
  const outside = records
    .filter((r) => !r.error && r.executorMs !== undefined)
    .map((r) => r.end - r.at - r.executorMs!)
    .sort((a, b) => a - b);
  const at = (q: number) => Math.round(outside[Math.floor(outside.length * q)] ?? 0);
  process.stdout.write(`time outside the executor: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms\n`);
  if (process.argv.includes('--list'))
    for (const p of pairs.filter((x) => x.nth > 0))
      process.stdout.write(
        `${Math.round(p.sent)} ${p.runtimeId.slice(0, 12)} ${p.host} #${p.nth + 1} (${p.requests} req)\n`,
      );
}

if (process.argv[1]?.endsWith('pairs.ts')) main();
