/**
 * Draws ranks 0..k-1 with Zipf(s) popularity: P(rank i) ∝ 1 / (i + 1)^s. `s = 0` is uniform;
 * s ≈ 1 is the classic web/function popularity skew. Inverse-CDF over a precomputed table, so each
 * draw is one binary search.
 */
export function zipfSampler(k: number, s: number, random: () => number): () => number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`zipf: k must be a positive integer, got ${k}`);
  if (!Number.isFinite(s) || s < 0) throw new RangeError(`zipf: s must be ≥ 0, got ${s}`);
  const cdf = zipfCdf(k, s);
  return () => {
    const u = random();
    let lo = 0;
    let hi = k - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/** The cumulative Zipf(s) distribution over k ranks; the last entry is exactly 1. */
export function zipfCdf(k: number, s: number): Float64Array {
  const cdf = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < k; i++) {
    total += 1 / (i + 1) ** s;
    cdf[i] = total;
  }
  for (let i = 0; i < k; i++) cdf[i] = cdf[i]! / total;
  cdf[k - 1] = 1;
  return cdf;
}
