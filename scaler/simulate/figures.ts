/** One second of a simulated run. */
export interface Sample {
  /** Seconds since the start of the run. */
  t: number;
  demand: number;
  active: number;
  booting: number;
  draining: number;
  /** Active + booting at the start of the second, before that second's scaler tick acted. */
  before: number;
  /** The last tick's trusted forecast (upper bound of the peak over the lead), in hosts' worth. */
  forecast?: number;
}

/** One scaler tick that planned a start or a drain. */
export interface ScaleEventSample {
  t: number;
  direction: 'up' | 'down';
}

/** The per-run figures of docs/scaling-policy.md (plus a few that explain them). */
export interface Figures {
  /** Worst case over episodes: seconds from demand exceeding the fleet (active + booting, beyond the
   * tolerance) to the first tick that starts hosts. null when the fleet never fell short. */
  scaleUpLatencyS: number | null;
  /** Longest stretch in seconds with demand above ready capacity (active × target). */
  timeToCapacityS: number;
  /** Seconds with demand above ready capacity (active hosts × target). */
  underProvisionedS: number;
  /** Σ over seconds of hosts held (active + booting + draining) beyond ceil(demand / target). */
  overProvisionedHostS: number;
  /** Scaler ticks that started or drained hosts. */
  scaleEvents: number;
  /** Changes of direction between consecutive scale events. */
  reversals: number;
  /** Executions still running when their host was stopped. */
  executionsCutOff: number;
  /** Hosts stopped while they still had executions (their drain timed out). */
  hostsStoppedBusy: number;
  /** Warm runtimes held by the hosts that were drained (what a warm-aware drain keeps low). */
  warmRuntimesDrained: number;
  hostsStarted: number;
  hostsReplaced: number;
  peakHosts: number;
  finalHosts: number;
  registryWrites: number;
}

/** Computes the figures from the per-second samples and the scale events. */
export function computeFigures(
  samples: readonly Sample[],
  events: readonly ScaleEventSample[],
  target: number,
  tolerance: number,
  extra: {
    cutOff: number;
    stoppedBusy: number;
    warmDrained?: number;
    started: number;
    replaced: number;
    registryWrites: number;
  },
): Figures {
  let under = 0;
  let over = 0;
  let longest = 0;
  let run = 0;
  let latency: number | null = null;
  let shortSince: number | null = null;
  let handled = false;
  let peak = 0;
  for (const s of samples) {
    const ready = s.active * target;
    if (s.demand > ready) {
      under++;
      run++;
      longest = Math.max(longest, run);
    } else run = 0;
    const held = s.active + s.booting + s.draining;
    peak = Math.max(peak, s.active + s.booting);
    over += Math.max(0, held - Math.ceil(s.demand / target - 1e-9));
    // An episode runs while the fleet (booting included) is short of the demand; its latency is
    // the wait for the first scale-up inside it.
    const short = s.demand > s.before * target * (1 + tolerance);
    if (!short) {
      shortSince = null;
      handled = false;
    } else if (shortSince === null) shortSince = s.t;
    if (shortSince !== null && !handled) {
      const acted = events.find((e) => e.direction === 'up' && e.t >= shortSince! && e.t <= s.t);
      if (acted) {
        latency = Math.max(latency ?? 0, acted.t - shortSince);
        handled = true;
      }
    }
  }
  let reversals = 0;
  for (let i = 1; i < events.length; i++) if (events[i]!.direction !== events[i - 1]!.direction) reversals++;
  const last = samples.at(-1);
  return {
    scaleUpLatencyS: latency,
    timeToCapacityS: longest,
    underProvisionedS: under,
    overProvisionedHostS: Math.round(over),
    scaleEvents: events.length,
    reversals,
    executionsCutOff: extra.cutOff,
    hostsStoppedBusy: extra.stoppedBusy,
    warmRuntimesDrained: extra.warmDrained ?? 0,
    hostsStarted: extra.started,
    hostsReplaced: extra.replaced,
    peakHosts: peak,
    finalHosts: last ? last.active + last.booting : 0,
    registryWrites: extra.registryWrites,
  };
}
