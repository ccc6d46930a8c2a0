import { seededRandom } from '../../lib/random.ts';
import { parseBenchArgs } from '../lib/args.ts';
import { type ResultTable, startResult } from '../lib/results.ts';
import { round } from '../lib/stats.ts';
import { RING_IMPLS } from './adapters.ts';
import { runConverge } from './converge.ts';
import {
  hostIds,
  interleavedLookups,
  measureRing,
  noiseFloor,
  type RingRow,
  randomIds,
  sequentialIds,
} from './measure.ts';
import { runScale } from './scale.ts';

/**
 * `npm run bench:ring`: Fleetgate's ring next to `consistent-hash` (default and deterministic) and
 * `hashring` on lookups/s, balance, disruption and order-independence (docs/benchmarks.md, ring).
 */
async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const result = startResult('ring', args.quick);
  const keyCount = args.quick ? 20_000 : 100_000;
  // One timing slice per ring; slices alternate between the rings (see interleavedLookups).
  const lookupMs = args.quick ? 60 : 150;
  const sizes = [3, 10, 50];
  const random = seededRandom(0x5eed);
  const keys = { random: randomIds(keyCount, random), sequential: sequentialIds(keyCount) };
  const shuffleRandom = seededRandom(42);
  const shuffle = <T>(items: readonly T[]): T[] => {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(shuffleRandom() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    // A shuffle that happens to keep the order would prove nothing: reverse instead.
    return out.every((v, i) => v === items[i]) ? [...items].reverse() : out;
  };

  // --only scale / converge: just that part of the 1,000-host simulation; --only quality: just the
  // comparison with the libraries.
  const only = args.extra.get('only');
  const rows: RingRow[] = [];
  for (const n of only === 'scale' || only === 'converge' ? [] : sizes) {
    const floor = noiseFloor(keyCount, n, seededRandom(n));
    const sized = RING_IMPLS.map((impl) => measureRing(impl, n, keys, floor, shuffle));
    const speeds = interleavedLookups(
      RING_IMPLS.map((impl) => impl.build(hostIds(n))),
      keys.random,
      lookupMs,
      args.quick ? 3 : 7,
    );
    sized.forEach((row, i) => {
      row.lookupsPerSecond = speeds[i]!;
      rows.push(row);
      process.stderr.write(`[ring] ${row.impl} N=${n}: ${Math.round(row.lookupsPerSecond)} lookups/s\n`);
    });
  }

  const fmt = (v: number | string | null, d = 2) => (typeof v === 'number' ? round(v, d) : v);
  const table: ResultTable = {
    title: `Ring quality, ${keyCount.toLocaleString('en')} random ids`,
    columns: [
      'ring',
      'N',
      'M lookups/s',
      'peak/avg (random ids)',
      'noise floor',
      'peak/avg (fn-1…fn-K)',
      'moved on add ÷ 1/(N+1) (rebuilt / in place)',
      'moved on remove ÷ 1/N (rebuilt / in place)',
      'add after remove',
      'agreement, other insertion order',
    ],
    rows: rows.map((r) => [
      r.impl,
      r.n,
      round(r.lookupsPerSecond / 1e6, 2),
      round(r.peakAvgRandom, 3),
      round(r.noiseFloor, 3),
      round(r.peakAvgSequential, 3),
      `${fmt(r.addMovedRebuilt)} / ${fmt(r.addMovedInPlace) ?? 'same'}`,
      `${fmt(r.removeMovedRebuilt)} / ${fmt(r.removeMovedInPlace) ?? 'same'}`,
      r.addAfterRemove,
      `${round(r.agreement * 100, 1)} %`,
    ]),
    notes: [
      'Moved ÷ ideal: 1.00 means exactly the share of keys that has to move; "rebuilt" builds a new ring from the new member list (what a second gateway or a restarted one does), "in place" calls add()/remove() on the running instance.',
      'Noise floor: median peak/avg of a perfectly uniform random assignment of the same number of keys (15 trials).',
      'Agreement: the same hosts added in a different order, as two gateway processes would; anything under 100 % sends one runtime to two hosts.',
      'Lookups/s: one thread, `candidates(key, 1)` / `get(key)` over the random ids, timed in alternating slices (every ring of one N in turn, repeated) and reduced to the median, so load from other processes hits every ring alike; compare rows of the same N in the same run.',
    ],
  };
  const scale =
    only === 'quality' || only === 'converge'
      ? undefined
      : await runScale({
          ids: args.quick ? 100_000 : 1_000_000,
          sizes: args.quick ? [10, 1000] : [10, 100, 1000],
          changes: args.quick ? 4 : 20,
          zipf: 1.1,
          rounds: args.quick ? 8 : 32,
        });
  const converge =
    only === 'quality' || only === 'scale'
      ? undefined
      : await runConverge({ hosts: args.quick ? 200 : 1000, gateways: 10, changes: args.quick ? 4 : 20 });
  const tables = [
    ...(only === undefined || only === 'quality' ? [table] : []),
    ...(scale?.tables ?? []),
    ...(converge?.tables ?? []),
  ];
  result.finish(args.outDir, tables, [], { keyCount, rows, scale: scale?.data, converge: converge?.data });
}

main().catch((error) => {
  process.stderr.write(`bench:ring failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
