/** Why a request is held: its runtime is being created, or its pool has no active host. */
export type HoldReason = 'cold-start' | 'no-hosts';

/**
 * The activator's bounds on held requests, as counts: at most `perKey` held for one runtime id and
 * reason, at most `total` held in all. Pure bookkeeping, no I/O: `take` answers which bound a new
 * hold would cross (`queue`, `limit`) or counts it (`ok`); `give` hands a slot back.
 */
export class HoldSlots {
  private readonly byKey = new Map<string, number>();
  total = 0;

  constructor(
    private readonly perKey: number,
    private readonly max: number,
  ) {}

  take(key: string | undefined, reason: HoldReason): 'ok' | 'queue' | 'limit' {
    if (this.total >= this.max) return 'limit';
    const k = key === undefined ? undefined : `${reason}\u0000${key}`;
    const held = k === undefined ? 0 : (this.byKey.get(k) ?? 0);
    if (k !== undefined && held >= this.perKey) return 'queue';
    if (k !== undefined) this.byKey.set(k, held + 1);
    this.total += 1;
    return 'ok';
  }

  give(key: string | undefined, reason: HoldReason): void {
    this.total = Math.max(0, this.total - 1);
    if (key === undefined) return;
    const k = `${reason}\u0000${key}`;
    const held = (this.byKey.get(k) ?? 0) - 1;
    if (held <= 0) this.byKey.delete(k);
    else this.byKey.set(k, held);
  }

  /** Requests held for one runtime id and reason. */
  heldFor(key: string, reason: HoldReason): number {
    return this.byKey.get(`${reason}\u0000${key}`) ?? 0;
  }
}
