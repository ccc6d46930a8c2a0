import type { KeepWarmOptions } from './keeper.ts';

/** The keep-warm pass never runs more often than this, however fast its clock is scaled (ms). */
export const MIN_SCALED_TICK_MS = 10;

/**
 * The keep-warm settings on a clock that runs `timeScale` times faster (`gateway.keepWarm.timeScale`:
 * a trace replayed at 60× sets 60): the histogram's bin width, the fixed keep-alive, the surplus copies' idle time, the pass period
 * and the pins' `maxIdle` are divided by it, so one trace minute is one bin. Fractions (percentiles,
 * margin, CV), counts and the pins' UTC windows are not times on that clock and stay as they are.
 * Pure; `timeScale` 1 returns the settings unchanged.
 */
export function scaleKeepWarm(options: KeepWarmOptions, timeScale: number): KeepWarmOptions {
  if (timeScale === 1) return options;
  const scale = (ms: number) => ms / timeScale;
  return {
    ...options,
    binMs: scale(options.binMs),
    fixedKeepAlive: scale(options.fixedKeepAlive),
    surplusIdle: scale(options.surplusIdle),
    tick: Math.max(MIN_SCALED_TICK_MS, scale(options.tick)),
    pins: options.pins.map((p) => (p.maxIdle === undefined ? p : { ...p, maxIdle: scale(p.maxIdle) })),
  };
}
