import { adaptQuantile, quantileInUse, realisedMissRate, startQuantile } from '../forecast/adaptive.ts';
import type { Policy } from '../policy/schema.ts';
import type { MetricReading } from '../sources/types.ts';
import type { ScalerState } from '../types.ts';
import type { Prediction } from './predict.ts';

type Quantiles = NonNullable<ScalerState['quantiles']>;

/**
 * Step 4b's adaptive quantiles (forecast.missRate set), pure: for each averagePerHost metric whose
 * forecast was trusted on the previous tick, this tick's reading tells whether demand exceeded what
 * the active hosts serve (value > active × target: a miss), and the quantile moves (adaptive.ts).
 * Returns the updated quantiles (the ones without a counted tick carried as they were).
 */
export function adaptQuantiles(
  policy: Policy,
  previous: Quantiles | undefined,
  metrics: Record<string, MetricReading>,
  active: number,
): Quantiles {
  const missRate = policy.forecast.missRate;
  const out: Quantiles = {};
  if (missRate === null) return out;
  for (const metric of policy.metrics) {
    if (metric.target.type !== 'averagePerHost') continue;
    const before = previous?.[metric.name] ?? { ...startQuantile(policy.forecast.quantile), trusted: false };
    const reading = metrics[metric.name];
    if (!before.trusted || !reading?.ok || !Number.isFinite(reading.value)) {
      out[metric.name] = { ...before };
      continue;
    }
    const miss = reading.value > active * metric.target.value;
    out[metric.name] = {
      ...adaptQuantile(before, miss, missRate, policy.forecast.adaptGain),
      trusted: before.trusted,
    };
  }
  return out;
}

/** The quantile each metric's forecast is computed at this tick (adaptive ones only). */
export function quantilesInUse(quantiles: Quantiles): Record<string, number> {
  return Object.fromEntries(Object.entries(quantiles).map(([name, q]) => [name, quantileInUse(q)]));
}

/** Records which forecasts were trusted this tick (the next tick counts their miss or not). */
export function markTrusted(quantiles: Quantiles, prediction: Prediction | undefined): Quantiles {
  const out: Quantiles = {};
  for (const [name, q] of Object.entries(quantiles)) {
    out[name] = { ...q, trusted: prediction?.forecasts[name]?.trusted === true };
  }
  return out;
}

/** The decision record's line on the adaptive quantiles: current quantile, target, realised miss rate. */
export function describeQuantiles(policy: Policy, quantiles: Quantiles): string {
  return Object.entries(quantiles)
    .map(([name, q]) => {
      const rate = realisedMissRate(q);
      const realised =
        rate === null ? 'no tick counted yet' : `${pct(rate)} realised over ${q.ticks} tick(s)`;
      return `${name}: quantile ${quantileInUse(q)}, miss rate target ${pct(policy.forecast.missRate ?? 0)}, ${realised}`;
    })
    .join('; ');
}

const pct = (v: number) => `${Math.round(v * 1000) / 10} %`;
