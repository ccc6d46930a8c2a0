/**
 * The idle times of one runtime (time from the end of one call to the start of the next), in
 * fixed-width bins, as in the hybrid histogram policy of Shahrad et al., "Serverless in the Wild"
 * (USENIX ATC 2020): one counter per bin up to `bins × binMs`, one for everything longer. Bounded
 * memory (`bins` 16-bit counters; counts are halved when one would overflow, which keeps the shape).
 * Pure: no I/O, no clock.
 */
export class IdleHistogram {
  readonly counts: Uint16Array;
  /** Idle times longer than the histogram's range. */
  outOfBounds = 0;
  /** Idle times recorded (in range and out of it, after any halving). */
  total = 0;

  constructor(
    readonly binMs: number,
    bins: number,
  ) {
    this.counts = new Uint16Array(bins);
  }

  /** Records one idle time. */
  record(idleMs: number): void {
    const bin = Math.floor(Math.max(0, idleMs) / this.binMs);
    if (bin >= this.counts.length) {
      if (this.outOfBounds === 0xffff) this.halve();
      this.outOfBounds += 1;
    } else {
      if (this.counts[bin] === 0xffff) this.halve();
      this.counts[bin]! += 1;
    }
    this.total += 1;
  }

  /**
   * The idle time below which `p` percent of the in-range idle times fall, rounded to bin edges: the
   * lower edge of the bin holding that rank for a low percentile (`edge: 'lower'`, what a pre-warm may
   * wait), the upper edge for a high one (`'upper'`, what a keep-alive must cover). Undefined when no
   * idle time is in range.
   */
  percentile(p: number, edge: 'lower' | 'upper'): number | undefined {
    const inRange = this.total - this.outOfBounds;
    if (inRange <= 0) return undefined;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * inRange));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return (edge === 'lower' ? i : i + 1) * this.binMs;
    }
    return this.counts.length * this.binMs;
  }

  /**
   * The coefficient of variation of the bin counts (standard deviation ÷ mean): a flat histogram
   * (idle times spread evenly, CV near 0) predicts nothing, a peaked one (CV high) does.
   */
  binCv(): number {
    const n = this.counts.length;
    let sum = 0;
    for (const c of this.counts) sum += c;
    if (sum === 0) return 0;
    const mean = sum / n;
    let sq = 0;
    for (const c of this.counts) sq += (c - mean) ** 2;
    return Math.sqrt(sq / n) / mean;
  }

  private halve(): void {
    let total = 0;
    for (let i = 0; i < this.counts.length; i++) {
      this.counts[i] = this.counts[i]! >> 1;
      total += this.counts[i]!;
    }
    this.outOfBounds >>= 1;
    this.total = total + this.outOfBounds;
  }
}
