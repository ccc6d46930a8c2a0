import type { HostLoad } from './pick.ts';

/** What the bounded-load cap reads: the hosts a keyed pick may choose and what they carry. */
export interface EligibleCounts {
  /** Active, healthy hosts. */
  readonly eligible: number;
  /** Requests in flight over those hosts. */
  readonly total: number;
}

/**
 * The eligible hosts (active and healthy) and their requests in flight, kept as they change rather
 * than counted on every pick, so a keyed pick reads only its ring prefix (issue 15). Pure: the owner
 * tells it what changed. `add` on every in-flight change of a host (after the host's count moved),
 * `refresh` when a host's state or health changed, `reset` when hosts joined or left (it recounts
 * every host: membership changes are rare). A host is held by identity, so a request that ends on a
 * host that has since left the fleet changes nothing.
 */
export class EligibleLoad implements EligibleCounts {
  private readonly counted = new Set<HostLoad>();
  private inflight = 0;

  get eligible(): number {
    return this.counted.size;
  }

  get total(): number {
    return this.inflight;
  }

  /** `host.inflight` just moved by `delta`. */
  add(host: HostLoad, delta: number): void {
    if (this.counted.has(host)) this.inflight += delta;
  }

  /** `host`'s state or health may have changed: counts it in or out. */
  refresh(host: HostLoad): void {
    const now = isEligible(host);
    if (now === this.counted.has(host)) return;
    if (now) {
      this.counted.add(host);
      this.inflight += host.inflight;
    } else {
      this.counted.delete(host);
      this.inflight -= host.inflight;
    }
  }

  /** Recounts over `hosts` (the fleet's whole list), forgetting any host not in it. */
  reset(hosts: readonly HostLoad[]): void {
    this.counted.clear();
    this.inflight = 0;
    for (const h of hosts) this.refresh(h);
  }
}

/** Whether a keyed pick may choose `host` (the rule `pick` applies to each host it reads). */
export function isEligible(host: HostLoad): boolean {
  return host.state === 'active' && host.healthy;
}
