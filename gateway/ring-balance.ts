/** What the bucket balancer reads: a complete table of each bucket's first hosts (`ring-table.ts`). */
export interface BalanceInput {
  buckets: number;
  depth: number;
  /** Host index + 1 per (bucket, rank), rank 0 the bucket's first host; 0: empty (fewer hosts than depth). */
  index: Int32Array;
  /** Each entry's rendezvous score (the host's claim on that bucket). */
  score: Float64Array;
  /** Weight per host index (hosts sorted by id, as in the table). */
  weights: readonly number[];
  /** Every host index of `bucket` in its rendezvous order (asked only when its prefix is exhausted). */
  fullOrder(bucket: number): ArrayLike<number>;
  /** Allowed deviation from the ideal share, as a fraction (0: ⌊B·w/W⌋ or ⌈B·w/W⌉ exactly). */
  tolerance?: number;
}

/** Each host's quota of buckets: ⌊B·w/W⌋ and ⌈B·w/W⌉ (equal when that share is whole). */
export interface Quotas {
  floor: Int32Array;
  ceil: Int32Array;
}

/** ⌊B·w/W⌋ and ⌈B·w/W⌉ per host; a share within 1e-9 of a whole number counts as whole. */
export function bucketQuotas(buckets: number, weights: readonly number[], tolerance = 0): Quotas {
  const total = weights.reduce((s, w) => s + w, 0);
  const floor = new Int32Array(weights.length);
  const ceil = new Int32Array(weights.length);
  weights.forEach((w, h) => {
    const ideal = (buckets * w) / total;
    const whole = Math.round(ideal);
    const exact = Math.abs(ideal - whole) < 1e-9;
    floor[h] = tolerance > 0 ? Math.floor(ideal * (1 - tolerance)) : exact ? whole : Math.floor(ideal);
    ceil[h] = tolerance > 0 ? Math.ceil(ideal * (1 + tolerance)) : exact ? whole : Math.ceil(ideal);
  });
  return { floor, ceil };
}

/**
 * The owner (host index) of every bucket, balanced: every host ends with ⌊B·w/W⌋ or ⌈B·w/W⌉ buckets,
 * and a bucket leaves its rendezvous winner only when that host is over its quota. Pure, and a
 * function of the table alone (so of the member set): every gateway computes the same owners.
 *
 * 1. Each bucket starts on its first host.
 * 2. A host over ⌈quota⌉ keeps the buckets it scores highest on; the rest overflow.
 * 3. Overflowing buckets, in bucket order, go to the first host of their own rendezvous order that
 *    is under ⌈quota⌉.
 * 4. A host still under ⌊quota⌋ takes, among the buckets whose owner is above its own ⌊quota⌋, those
 *    it scores highest on (hosts in id order).
 *
 * Step 2 keeps the strongest claims, so a host that gains or loses one first-choice bucket changes its
 * overflow by at most one bucket; how far such a change spreads through steps 3 and 4 is what
 * `bench:ring` measures as keys moved between other hosts.
 */
export function balanceOwners(input: BalanceInput): Int32Array {
  const { buckets, depth, index, score, weights } = input;
  const hosts = weights.length;
  const owner = new Int32Array(buckets).fill(-1);
  if (hosts === 0) return owner;
  const { floor, ceil } = bucketQuotas(buckets, weights, input.tolerance ?? 0);
  const count = new Int32Array(hosts);
  for (let b = 0; b < buckets; b++) {
    const h = index[b * depth]! - 1;
    owner[b] = h;
    count[h] = count[h]! + 1;
  }

  // 2. Over-quota hosts keep their strongest claims.
  const overflow: number[] = [];
  const over: number[][] = Array.from({ length: hosts }, () => []);
  let anyOver = false;
  for (let h = 0; h < hosts; h++) if (count[h]! > ceil[h]!) anyOver = true;
  if (anyOver) {
    for (let b = 0; b < buckets; b++) {
      const h = owner[b]!;
      if (count[h]! > ceil[h]!) over[h]!.push(b);
    }
    for (let h = 0; h < hosts; h++) {
      const list = over[h]!;
      if (list.length === 0) continue;
      list.sort((x, y) => score[y * depth]! - score[x * depth]! || x - y);
      for (const b of list.slice(ceil[h]!)) {
        owner[b] = -1;
        overflow.push(b);
      }
      count[h] = ceil[h]!;
    }
  }

  // 3. Overflow in bucket order to the first host under its ⌈quota⌉.
  overflow.sort((x, y) => x - y);
  for (const b of overflow) {
    let to = -1;
    for (let k = 1; k < depth; k++) {
      const h = index[b * depth + k]! - 1;
      if (h >= 0 && count[h]! < ceil[h]!) {
        to = h;
        break;
      }
    }
    if (to < 0) {
      const order = input.fullOrder(b);
      for (let k = 0; k < order.length; k++) {
        const h = order[k]!;
        if (count[h]! < ceil[h]!) {
          to = h;
          break;
        }
      }
    }
    owner[b] = to;
    count[to] = count[to]! + 1;
  }

  // 4. Hosts under ⌊quota⌋ take the buckets they claim most from hosts that can spare one.
  const claims = new Map<number, { b: number; s: number }[]>();
  for (let h = 0; h < hosts; h++) if (count[h]! < floor[h]!) claims.set(h, []);
  if (claims.size === 0) return owner;
  for (let b = 0; b < buckets; b++) {
    for (let k = 1; k < depth; k++) {
      const list = claims.get(index[b * depth + k]! - 1);
      if (list !== undefined) list.push({ b, s: score[b * depth + k]! });
    }
  }
  const take = (b: number, h: number): void => {
    const from = owner[b]!;
    if (from === h || count[from]! <= floor[from]!) return;
    owner[b] = h;
    count[from] = count[from]! - 1;
    count[h] = count[h]! + 1;
  };
  for (const [h, list] of claims) {
    list.sort((x, y) => y.s - x.s || x.b - y.b);
    for (const { b } of list) {
      if (count[h]! >= floor[h]!) break;
      take(b, h);
    }
    // Not enough claims in the prefixes (few buckets rank it): any bucket a host can spare, in order.
    for (let b = 0; b < buckets && count[h]! < floor[h]!; b++) take(b, h);
  }
  return owner;
}
