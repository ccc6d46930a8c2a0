import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../lib/random.ts';
import { createRing, type RingMember, ringShares } from './ring.ts';

const hosts = (n: number, prefix = 'host'): RingMember[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, weight: 1 }));
const keys = (n: number) => Array.from({ length: n }, (_, i) => `runtime-${i}`);
const owner = (members: RingMember[], keyList: string[]) => {
  const ring = createRing(members);
  return keyList.map((k) => ring.candidates(k, 1)[0]!);
};

/** Deterministic shuffle (seeded) so the test is reproducible. */
function shuffle<T>(items: T[], seed: number): T[] {
  const rand = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('ring', () => {
  it.each([3, 10, 50])('gives identical preference orders whatever the insertion order (N=%i)', (n) => {
    const a = createRing(hosts(n));
    const b = createRing(shuffle(hosts(n), n));
    for (const k of keys(2000)) expect(b.candidates(k)).toEqual(a.candidates(k));
  });

  it('gives identical results in another process', () => {
    const sample = keys(200);
    const here = owner(hosts(10), sample);
    const code = `
      const { createRing } = await import(${JSON.stringify(new URL('./ring.ts', import.meta.url).href)});
      const ring = createRing(Array.from({ length: 10 }, (_, i) => ({ id: 'host-' + i, weight: 1 })));
      const out = Array.from({ length: 200 }, (_, i) => ring.candidates('runtime-' + i, 1)[0]);
      process.stdout.write(JSON.stringify(out));`;
    const there = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
        encoding: 'utf8',
      }),
    );
    expect(there).toEqual(here);
  });

  it.each([3, 10, 50])('removing one of N hosts moves only that host’s keys (N=%i)', (n) => {
    const sample = keys(20_000);
    const before = owner(hosts(n), sample);
    const removed = `host-${Math.floor(n / 2)}`;
    const after = owner(
      hosts(n).filter((h) => h.id !== removed),
      sample,
    );
    let moved = 0;
    sample.forEach((_, i) => {
      if (before[i] === removed) {
        expect(after[i]).not.toBe(removed);
        moved++;
      } else expect(after[i]).toBe(before[i]);
    });
    expect(moved).toBeGreaterThan(0);
  });

  it.each([3, 10, 50])('adding a host moves about 1/(N+1) of the keys, all to the new host (N=%i)', (n) => {
    const sample = keys(40_000);
    const before = owner(hosts(n), sample);
    const after = owner([...hosts(n), { id: 'host-new', weight: 1 }], sample);
    let moved = 0;
    sample.forEach((_, i) => {
      if (before[i] !== after[i]) {
        expect(after[i]).toBe('host-new');
        moved++;
      }
    });
    const ideal = sample.length / (n + 1);
    // Binomial sampling noise: 5 standard deviations either side.
    const sd = Math.sqrt(sample.length * (1 / (n + 1)) * (n / (n + 1)));
    expect(Math.abs(moved - ideal)).toBeLessThan(5 * sd);
  });

  it('respects weights within sampling noise', () => {
    const members = [
      { id: 'a', weight: 1 },
      { id: 'b', weight: 2 },
      { id: 'c', weight: 3 },
    ];
    const sample = keys(60_000);
    const counts = new Map<string, number>();
    for (const o of owner(members, sample)) counts.set(o, (counts.get(o) ?? 0) + 1);
    const shares = ringShares(createRing(members));
    for (const m of members) {
      const p = shares.get(m.id)!;
      expect(p).toBeCloseTo(m.weight / 6, 10);
      const sd = Math.sqrt(sample.length * p * (1 - p));
      expect(Math.abs(counts.get(m.id)! - sample.length * p)).toBeLessThan(5 * sd);
    }
  });

  it.each([3, 10, 50])('balances equal hosts to within sampling noise (N=%i)', (n) => {
    const sample = keys(100_000);
    const counts = new Map<string, number>();
    for (const o of owner(hosts(n), sample)) counts.set(o, (counts.get(o) ?? 0) + 1);
    const avg = sample.length / n;
    const sd = Math.sqrt(sample.length * (1 / n) * (1 - 1 / n));
    expect(counts.size).toBe(n);
    for (const c of counts.values()) expect(Math.abs(c - avg)).toBeLessThan(5 * sd);
  });

  it('returns n distinct candidates, the first being the owner', () => {
    const ring = createRing(hosts(5));
    for (const k of keys(100)) {
      const all = ring.candidates(k);
      expect(new Set(all).size).toBe(5);
      expect(ring.candidates(k, 2)).toEqual(all.slice(0, 2));
      expect(ring.candidates(k, 1)).toEqual(all.slice(0, 1));
    }
    expect(ring.candidates('x', 0)).toEqual([]);
    expect(createRing([]).candidates('x')).toEqual([]);
  });

  it('ignores duplicate members and rejects bad weights', () => {
    expect(createRing([...hosts(2), ...hosts(2)]).members).toHaveLength(2);
    expect(() => createRing([{ id: 'a', weight: 0 }])).toThrow(/weight must be a positive number/);
    expect(() => createRing([{ id: 'a', weight: Number.NaN }])).toThrow(/a/);
  });
});
