import { median } from '../lib/stats.ts';
import type { RingImpl, RingUnderTest } from './adapters.ts';

/** Host ids `executor-1` … `executor-n`. */
export function hostIds(n: number, from = 1): string[] {
  return Array.from({ length: n }, (_, i) => `executor-${from + i}`);
}

/** `count` random 20-character ids from [0-9a-z], like Appwrite's `ID.unique()` function ids. */
export function randomIds(count: number, random: () => number): string[] {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  return Array.from({ length: count }, () => {
    let id = '';
    for (let i = 0; i < 20; i++) id += alphabet[Math.floor(random() * alphabet.length)];
    return id;
  });
}

/** `count` sequential ids `fn-1` … `fn-<count>` (the case that exposes a weak key hash). */
export function sequentialIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `fn-${i + 1}`);
}

/** Owner of every key. */
export function owners(ring: RingUnderTest, keys: readonly string[]): string[] {
  return keys.map((k) => ring.get(k));
}

/** Peak ÷ average keys per host (1.0 is perfect), counting hosts that got no key as 0. */
export function peakToAverage(assigned: readonly string[], hosts: number): number {
  const counts = new Map<string, number>();
  for (const h of assigned) counts.set(h, (counts.get(h) ?? 0) + 1);
  const peak = Math.max(0, ...counts.values());
  return peak / (assigned.length / hosts);
}

/**
 * The sampling noise floor of peak ÷ average: the median, over `trials`, of the peak ÷ average
 * that a perfectly uniform random assignment of `keys` keys to `hosts` hosts gives. No ring can do
 * better on random keys except by luck.
 */
export function noiseFloor(keys: number, hosts: number, random: () => number, trials = 15): number {
  const results: number[] = [];
  for (let t = 0; t < trials; t++) {
    const counts = new Uint32Array(hosts);
    for (let i = 0; i < keys; i++) counts[Math.floor(random() * hosts)]! += 1;
    results.push(Math.max(...counts) / (keys / hosts));
  }
  return median(results);
}

/** Fraction of keys whose owner differs between two assignments. */
export function movedFraction(before: readonly string[], after: readonly string[]): number {
  let moved = 0;
  for (let i = 0; i < before.length; i++) if (before[i] !== after[i]) moved++;
  return moved / before.length;
}

/** Lookups per second over `keys`, repeating passes until `minMs` elapsed (after one warm-up pass). */
export function lookupsPerSecond(ring: RingUnderTest, keys: readonly string[], minMs: number): number {
  let sink = 0;
  for (const k of keys) sink += ring.get(k).length;
  let done = 0;
  const start = process.hrtime.bigint();
  let elapsedMs = 0;
  while (elapsedMs < minMs) {
    for (const k of keys) sink += ring.get(k).length;
    done += keys.length;
    elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  }
  if (sink < 0) throw new Error('unreachable');
  return done / (elapsedMs / 1000);
}

/**
 * Lookups/s of several rings, timed in `slices` alternating slices (A B C D, A B C D, …) and
 * reduced to the median per ring, so a burst of load from another process hits every ring alike.
 */
export function interleavedLookups(
  rings: readonly RingUnderTest[],
  keys: readonly string[],
  sliceMs: number,
  slices: number,
): number[] {
  const samples = rings.map(() => [] as number[]);
  for (let s = 0; s < slices; s++) {
    rings.forEach((ring, i) => {
      samples[i]!.push(lookupsPerSecond(ring, keys, sliceMs));
    });
  }
  return samples.map((v) => median(v));
}

/** What one ring implementation achieved for one fleet size. */
export interface RingRow {
  impl: string;
  n: number;
  lookupsPerSecond: number;
  peakAvgRandom: number;
  peakAvgSequential: number;
  noiseFloor: number;
  /** Keys moved when one host is added, ÷ the ideal 1/(N+1); rebuilt from the member list. */
  addMovedRebuilt: number;
  /** Same, applying `add()` to the running instance; a string when the library threw. */
  addMovedInPlace: number | string | null;
  /** Keys moved when one host is removed, ÷ the ideal 1/N; rebuilt. */
  removeMovedRebuilt: number;
  removeMovedInPlace: number | string | null;
  /** Whether `add()` works after a `remove()` on the same instance. */
  addAfterRemove: string;
  /** Share of keys on which two rings built with the hosts in different orders agree. */
  agreement: number;
}

function inPlace(
  impl: RingImpl,
  members: readonly string[],
  keys: readonly string[],
  change: (r: RingUnderTest) => void,
): number | string | null {
  const ring = impl.build(members);
  if (!ring.add || !ring.remove) return null;
  const before = owners(ring, keys);
  try {
    change(ring);
    return movedFraction(before, owners(ring, keys));
  } catch (error) {
    return `throws: ${(error as Error).message}`;
  }
}

/** Measures one implementation for one fleet size. */
export function measureRing(
  impl: RingImpl,
  n: number,
  keys: { random: readonly string[]; sequential: readonly string[] },
  floor: number,
  shuffle: <T>(items: readonly T[]) => T[],
): RingRow {
  const members = hostIds(n);
  const added = `executor-${n + 1}`;
  const removed = members[Math.floor(n / 2)]!;
  const base = impl.build(members);
  const baseOwners = owners(base, keys.random);
  const addOwners = owners(impl.build([...members, added]), keys.random);
  const removeOwners = owners(impl.build(members.filter((m) => m !== removed)), keys.random);
  const shuffledOwners = owners(impl.build(shuffle(members)), keys.random);
  const addInPlace = inPlace(impl, members, keys.random, (r) => r.add!(added));
  const removeInPlace = inPlace(impl, members, keys.random, (r) => r.remove!(removed));
  let addAfterRemove = 'n/a (immutable; rebuilt)';
  const probe = impl.build(members);
  if (probe.add && probe.remove) {
    try {
      probe.remove(removed);
      probe.add(added);
      probe.get('probe');
      addAfterRemove = 'ok';
    } catch (error) {
      addAfterRemove = `throws: ${(error as Error).message}`;
    }
  }
  const ratio = (v: number | string | null, ideal: number) => (typeof v === 'number' ? v / ideal : v);
  return {
    impl: impl.name,
    n,
    // Filled in by `interleavedLookups` so every ring is timed in the same stretch of machine noise.
    lookupsPerSecond: Number.NaN,
    peakAvgRandom: peakToAverage(baseOwners, n),
    peakAvgSequential: peakToAverage(owners(base, keys.sequential), n),
    noiseFloor: floor,
    addMovedRebuilt: movedFraction(baseOwners, addOwners) / (1 / (n + 1)),
    addMovedInPlace: ratio(addInPlace, 1 / (n + 1)),
    removeMovedRebuilt: movedFraction(baseOwners, removeOwners) / (1 / n),
    removeMovedInPlace: ratio(removeInPlace, 1 / n),
    addAfterRemove,
    agreement: 1 - movedFraction(baseOwners, shuffledOwners),
  };
}
