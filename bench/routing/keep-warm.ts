import { fleetgateTarget, haproxyTarget, type RoutingTarget } from './targets.ts';

/**
 * The rows of `npm run bench:routing-keep-warm`: runtime lifetime on a replay `speedup` times faster
 * than the trace, so every lifetime time is scaled alike (a trace minute is `60 / speedup` s).
 */

/** A time of the trace (real seconds) on the replay's clock, ms. */
export function replayMs(realSeconds: number, speedup: number): number {
  return Math.round((realSeconds * 1000) / speedup);
}

/** The executors' reaping in a row: idle threshold (real seconds) checked every 60 s (real). */
function reaping(thresholdSeconds: number, speedup: number): RoutingTarget['reaping'] {
  // open-runtimes/executor: OPR_EXECUTOR_INACTIVE_THRESHOLD 60 s; its README and .env set
  // OPR_EXECUTOR_MAINTENANCE_INTERVAL to 60 s (the code's fallback is 3600 s).
  return {
    inactiveThresholdMs: replayMs(thresholdSeconds, speedup),
    maintenanceIntervalMs: replayMs(60, speedup),
  };
}

/** Real seconds → `N min` / `N h` for row names. */
function span(seconds: number): string {
  return seconds >= 3600 ? `${seconds / 3600} h` : `${seconds / 60} min`;
}

/** One row: a target with the executors' reaping of that row, and its series on the frontier. */
export interface KeepWarmRow {
  target: RoutingTarget;
  /** Short name on the frontier figure. */
  short: string;
  /** `fixed`: a fixed keep-alive (executors' threshold, no keep-warm); `hybrid`: gateway keep-warm; `peer`: another router. */
  series: 'fixed' | 'hybrid' | 'peer';
  /** The fixed keep-alive row everything is normalised to (10 min). */
  reference?: boolean;
  /** Rows also run on the Zipf workload (the rest are frontier points on the trace only). */
  zipf: boolean;
}

/** Executors left at a default-like 60 s threshold, or configured to leave lifetime to the gateway (4 h: never in a run). */
const DEFAULT_THRESHOLD_S = 60;
const GATEWAY_OWNED_THRESHOLD_S = 4 * 3600;

const fleetgate = (name: string, fields?: Record<string, string | number | boolean>, warmSlots?: number) =>
  fleetgateTarget(name, {
    addressing: 'anycast-efficient',
    boundedLoads: true,
    warmPreference: true,
    ...(warmSlots === undefined ? {} : { warmSlots }),
    // The gateway's 30 s resync on the replay's clock: it learns of reaped runtimes as it would.
    resyncInterval: '500ms',
    ...(fields === undefined ? {} : { keepWarm: { fields, resyncInterval: '500ms' } }),
  });

/** Every row: peers and the fixed keep-alive series with executors reaping, then the hybrid settings. */
export function keepWarmRows(speedup: number): KeepWarmRow[] {
  const withReaping = (target: RoutingTarget, thresholdSeconds: number): RoutingTarget => ({
    ...target,
    reaping: reaping(thresholdSeconds, speedup),
  });
  const kw = (fields: Record<string, string | number | boolean> = {}) => ({ timeScale: speedup, ...fields });
  const rows: KeepWarmRow[] = [
    {
      target: withReaping(
        haproxyTarget(`HAProxy hash, balance-factor 125 · executors reap at ${span(DEFAULT_THRESHOLD_S)}`, {
          kind: 'hash',
          balanceFactor: 125,
        }),
        DEFAULT_THRESHOLD_S,
      ),
      short: 'HAProxy bf 125, executors reap at 1 min',
      series: 'peer',
      zipf: true,
    },
    {
      target: withReaping(
        haproxyTarget(
          `plain consistent hashing (HAProxy balance-factor 0) · executors reap at ${span(DEFAULT_THRESHOLD_S)}`,
          {
            kind: 'hash',
            balanceFactor: 0,
          },
        ),
        DEFAULT_THRESHOLD_S,
      ),
      short: 'plain CH, executors reap at 1 min',
      series: 'peer',
      zipf: true,
    },
  ];
  for (const seconds of [60, 120, 300, 600, 1200]) {
    const name =
      seconds === DEFAULT_THRESHOLD_S
        ? `Fleetgate, no keep-warm · executors reap at ${span(seconds)} (fixed keep-alive ${span(seconds)})`
        : `fixed keep-alive ${span(seconds)} (Fleetgate, executors reap at ${span(seconds)})`;
    rows.push({
      target: withReaping(fleetgate(name), seconds),
      short: `fixed keep-alive ${span(seconds)}`,
      series: 'fixed',
      reference: seconds === 600,
      zipf: seconds === 60 || seconds === 600,
    });
  }
  // The same spill rule (`gateway.warmSlots`) without keep-warm: what it does for the baseline alone.
  rows.push({
    target: withReaping(
      fleetgate('fixed keep-alive 10 min, warm slots 8 (Fleetgate, executors reap at 10 min)', undefined, 8),
      600,
    ),
    short: 'fixed keep-alive 10 min, warm slots 8',
    series: 'fixed',
    zipf: true,
  });
  const owner = (thresholdSeconds: number) =>
    thresholdSeconds === DEFAULT_THRESHOLD_S
      ? `executors reap at ${span(thresholdSeconds)}`
      : 'lifetime left to the gateway';
  const hybrid = (
    label: string,
    thresholdSeconds: number,
    fields: Record<string, string | number | boolean>,
    zipf: boolean,
    warmSlots?: number,
  ): KeepWarmRow => ({
    target: withReaping(
      fleetgate(`Fleetgate keep-warm (hybrid${label}) · ${owner(thresholdSeconds)}`, kw(fields), warmSlots),
      thresholdSeconds,
    ),
    short: `hybrid${label} · ${thresholdSeconds === DEFAULT_THRESHOLD_S ? 'executors reap at 1 min' : 'gateway owns lifetime'}`,
    series: 'hybrid',
    zipf,
  });
  rows.push(
    hybrid('', DEFAULT_THRESHOLD_S, {}, true),
    hybrid('', GATEWAY_OWNED_THRESHOLD_S, {}, true),
    // The same without trimming surplus copies (every copy of a wanted runtime kept): the trim's effect.
    hybrid(
      ', surplus copies kept',
      GATEWAY_OWNED_THRESHOLD_S,
      { surplusIdle: '4h', learnSurplus: false },
      false,
    ),
    hybrid(
      ', surplus copies idle 10 min',
      GATEWAY_OWNED_THRESHOLD_S,
      { surplusIdle: '10m', learnSurplus: false },
      false,
    ),
    // Surplus copies: one global idle time (1 min, the trim before learnSurplus) against the per-runtime
    // keep learned from the gaps between overflow episodes (the default), with a 10-min fallback too.
    hybrid(', surplus copies idle 1 min', GATEWAY_OWNED_THRESHOLD_S, { learnSurplus: false }, false),
    hybrid(', surplus learned, fallback 10 min', GATEWAY_OWNED_THRESHOLD_S, { surplusIdle: '10m' }, false),
    // Fewer overflow copies: a warm host at the cap takes the runtime while its 8 executor slots there
    // are not all busy (the simulated executors' per-runtime concurrency), instead of a cold copy.
    hybrid(', warm slots 8', GATEWAY_OWNED_THRESHOLD_S, {}, true, 8),
    hybrid(', forecast on', GATEWAY_OWNED_THRESHOLD_S, { forecast: '{ enabled: true }' }, true),
    hybrid(', fixed fallback 5 min', GATEWAY_OWNED_THRESHOLD_S, { fixedKeepAlive: '5m' }, false),
  );
  return rows;
}
