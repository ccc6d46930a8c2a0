/** Something with a total deadline that the sweep ends. */
export interface Expiring {
  expire(): void;
  /**
   * Where the sweep keeps the item, −1 when it is not pending: written by `DeadlineSweep` only (an
   * item declares it, initialised to −1, so that its shape never changes).
   */
  deadlineSlot?: number;
}

/**
 * Total deadlines of forwarded requests, checked by one shared interval rather than a timer per
 * request (a Node timer costs an object, a call into libuv's clock, and list and priority-queue
 * work on every set and clear). Time is counted in ticks of `resolution` ms: a deadline of `ms` never
 * fires early, and at most about two ticks late. The interval runs only while deadlines are pending
 * and never keeps the process alive.
 *
 * Pending items sit in two parallel arrays, each item knowing its slot; deleting moves the last item
 * into the hole. Not a `Map`: a long-lived Map that gains and loses a request object per request is
 * rehashed every few dozen requests, and V8 links each replaced table to its successor with the
 * entries it held. Once one replaced table has been promoted to the old generation, every later table
 * and every request object they held survive each scavenge and are promoted in turn, so the chain
 * outlives full collections (bench/results/gc-probe.md: 2–5 KB promoted per request instead of
 * well under 0.1 KB).
 */
export class DeadlineSweep {
  /** Pending items; `ticks[i]` is the tick at which `items[i]` expires. */
  private readonly items: Expiring[] = [];
  private readonly ticks: number[] = [];
  private tick = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly resolution: number) {
    if (!(resolution > 0))
      throw new RangeError(`DeadlineSweep: resolution must be > 0 ms, got ${resolution}`);
  }

  /** `item.expire()` is called once `ms` have passed, unless `delete(item)` came first. */
  add(item: Expiring, ms: number): void {
    // The current tick is partly over when the item arrives: count one more so it never fires early.
    const at = this.tick + Math.ceil(ms / this.resolution) + 1;
    const slot = item.deadlineSlot ?? -1;
    if (slot >= 0 && this.items[slot] === item) {
      this.ticks[slot] = at;
    } else {
      item.deadlineSlot = this.items.length;
      this.items.push(item);
      this.ticks.push(at);
    }
    if (this.timer === undefined) {
      this.timer = setInterval(sweep, this.resolution, this);
      this.timer.unref();
    }
  }

  /** Forgets `item` (its request ended in time). */
  delete(item: Expiring): void {
    const slot = item.deadlineSlot ?? -1;
    if (slot < 0 || this.items[slot] !== item) return;
    this.removeAt(slot);
  }

  /** Deadlines pending. */
  get size(): number {
    return this.items.length;
  }

  /** One tick: expires what is due; stops the interval when nothing is pending. */
  advance(): void {
    this.tick += 1;
    if (this.items.length === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    let due: Expiring[] | undefined;
    for (let i = 0; i < this.items.length; ) {
      if (this.ticks[i]! > this.tick) {
        i++;
        continue;
      }
      if (due === undefined) due = [];
      due.push(this.items[i]!);
      this.removeAt(i); // the last item moves into slot i: look at it next
    }
    // Expired after the scan: an item's `expire` may add or delete deadlines.
    if (due !== undefined) for (const item of due) item.expire();
  }

  /** Takes the item in `slot` out: the last item moves into the hole, nothing is left behind. */
  private removeAt(slot: number): void {
    const items = this.items;
    const removed = items[slot]!;
    const last = items.length - 1;
    if (slot !== last) {
      const moved = items[last]!;
      items[slot] = moved;
      this.ticks[slot] = this.ticks[last]!;
      moved.deadlineSlot = slot;
    }
    items.pop();
    this.ticks.pop();
    removed.deadlineSlot = -1;
  }
}

/** The interval's callback: one function for every sweep, no closure. */
function sweep(deadlines: DeadlineSweep): void {
  deadlines.advance();
}
