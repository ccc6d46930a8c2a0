import { drawDuration, type TraceDurations } from '../../load/trace.ts';

/** How the routing benchmark replays the trace and how its balancer spreads a runtime's load. */
export interface SpillModel {
  /** Hosts of the fleet. */
  hosts: number;
  /** `gateway.loadFactor` c and `gateway.loadFloor`: a host takes at most max(ceil(c × (in-flight + 1) / hosts), floor). */
  loadFactor: number;
  loadFloor: number;
  /** Trace counts × this (bench:routing-keep-warm: 0.15). */
  countScale: number;
  /** Execution times × this, capped (0.1, 5000 ms). */
  durationScale: number;
  maxDurationMs: number;
  /** One trace minute on the replay's clock, ms (60× faster: 1000). */
  minuteMs: number;
  /** A runtime's peak in-flight over a minute: mean + z × √mean (Poisson arrivals). */
  peakZ: number;
  /** Expected calls of a runtime spilled in a minute from which it needs a second copy. */
  spillCalls: number;
  /**
   * `gateway.warmSlots` (0: off): a warm host at the cap keeps the runtime while fewer than this many
   * of its requests run there, so its host's other load spills nothing of it, and its own peak needs
   * ⌈peak ÷ max(cap, warmSlots)⌉ copies.
   */
  warmSlots: number;
}

/** bench:routing-keep-warm's replay and the gateway's default bounded loads. */
export const ROUTING_REPLAY: SpillModel = {
  hosts: 5,
  loadFactor: 1.25,
  loadFloor: 4,
  countScale: 0.15,
  durationScale: 0.1,
  maxDurationMs: 5000,
  minuteMs: 1000,
  peakZ: 2,
  spillCalls: 0.5,
  warmSlots: 0,
};

/** A function's mean execution time from its percentiles, ms (scaled and capped as the replay draws them). */
export function meanDuration(d: TraceDurations | undefined, m: SpillModel): number {
  if (d === undefined) return 1;
  let sum = 0;
  for (let i = 0; i < 100; i++)
    sum += Math.min(m.maxDurationMs, Math.max(1, drawDuration(d, (i + 0.5) / 100) * m.durationScale));
  return sum / 100;
}

/** P(X ≥ k) for X ~ Poisson(λ). */
function poissonTail(lambda: number, k: number): number {
  if (k <= 0) return 1;
  let term = Math.exp(-lambda);
  let below = term;
  for (let i = 1; i < k; i++) {
    term *= lambda / i;
    below += term;
  }
  return Math.max(0, 1 - below);
}

/** A stable host for a runtime id (FNV-1a), as a hash ring would give one. */
export function hostOf(id: string, hosts: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h % hosts;
}

/**
 * Copies of each runtime each minute needs under bounded loads. Each runtime has one owner host; a
 * host is at its bounded-load cap (from the whole fleet's in-flight demand that minute) with the
 * probability that its runtimes' Poisson in-flight count reaches the cap, and a call arriving then
 * spills to another host: a runtime whose expected spilled calls that minute reach `spillCalls` needs
 * a second copy (the host's other runtimes push it over too, as in the real balancer), and a runtime
 * whose own peak in-flight (mean + z√mean) exceeds the cap needs ⌈peak ÷ cap⌉. At least 1 when
 * called, at most every host. A copy past the first is an overflow copy. Pure.
 */
export function copiesNeeded(
  functions: ReadonlyArray<{ id: string; perMinute: number[]; meanMs: number }>,
  m: SpillModel,
): number[][] {
  const minutes = Math.max(0, ...functions.map((f) => f.perMinute.length));
  const mean = functions.map((f) =>
    f.perMinute.map((count) => (count * m.countScale * f.meanMs) / m.minuteMs),
  );
  const owner = functions.map((f) => hostOf(f.id, m.hosts));
  const caps: number[] = [];
  const saturated: number[][] = [];
  for (let i = 0; i < minutes; i++) {
    const load = new Array<number>(m.hosts).fill(0);
    mean.forEach((row, j) => {
      load[owner[j]!]! += row[i] ?? 0;
    });
    const inflight = load.reduce((a, b) => a + b, 0);
    const cap = Math.max(m.loadFloor, Math.ceil((m.loadFactor * (inflight + 1)) / m.hosts));
    caps.push(cap);
    saturated.push(load.map((l) => poissonTail(l, cap)));
  }
  return functions.map((f, j) =>
    f.perMinute.map((count, i) => {
      if (count <= 0) return 0;
      const c = mean[j]![i]!;
      const own = Math.ceil((c + m.peakZ * Math.sqrt(c)) / Math.max(caps[i]!, m.warmSlots));
      const spilled =
        m.warmSlots === 0 && count * m.countScale * saturated[i]![owner[j]!]! >= m.spillCalls ? 2 : 1;
      return Math.min(m.hosts, Math.max(1, own, spilled));
    }),
  );
}
