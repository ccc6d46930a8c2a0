/** Something with a total deadline that the sweep ends. */
export interface Expiring {
  expire(): void;
}

/**
 * Total deadlines of forwarded requests, checked by one shared interval rather than a timer per
 * request (a Node timer costs an object, a call into libuv's clock, and list and priority-queue
 * work on every set and clear). Time is counted in ticks of `resolution` ms: a deadline of `ms` never
 * fires early, and at most about two ticks late. The interval runs only while deadlines are pending
 * and never keeps the process alive.
 */
export class DeadlineSweep {
  /** Each pending item and the tick at which it expires. */
  private readonly due = new Map<Expiring, number>();
  private tick = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly resolution: number) {
    if (!(resolution > 0))
      throw new RangeError(`DeadlineSweep: resolution must be > 0 ms, got ${resolution}`);
  }

  /** `item.expire()` is called once `ms` have passed, unless `delete(item)` came first. */
  add(item: Expiring, ms: number): void {
    // The current tick is partly over when the item arrives: count one more so it never fires early.
    this.due.set(item, this.tick + Math.ceil(ms / this.resolution) + 1);
    if (this.timer === undefined) {
      this.timer = setInterval(sweep, this.resolution, this);
      this.timer.unref();
    }
  }

  /** Forgets `item` (its request ended in time). */
  delete(item: Expiring): void {
    this.due.delete(item);
  }

  /** Deadlines pending. */
  get size(): number {
    return this.due.size;
  }

  /** One tick: expires what is due; stops the interval when nothing is pending. */
  advance(): void {
    this.tick += 1;
    if (this.due.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    for (const [item, at] of this.due) {
      if (at > this.tick) continue;
      this.due.delete(item);
      item.expire();
    }
  }
}

/** The interval's callback: one function for every sweep, no closure. */
function sweep(deadlines: DeadlineSweep): void {
  deadlines.advance();
}
