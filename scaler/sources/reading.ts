import type { Clock } from '../../lib/clock.ts';
import type { MetricReading, MetricSource, NoDataReason, Series, VectorReading } from './types.ts';

/** A series as a source sees it before the validity rules: the sample time is optional. */
export interface RawSample {
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the source knows it. */
  timestampMs?: number;
}

/** Bounds the validity rules apply. */
export interface ValidityOptions {
  /** Now, in milliseconds since the epoch (from the injected clock). */
  now: number;
  /** A sample older than this many milliseconds is stale; 0 or undefined disables the check. */
  maxAgeMs?: number | undefined;
}

/**
 * The validity rules shared by every source (pure): empty → `empty`, more than one series →
 * `severalSeries`, NaN/±Inf → `notFinite`, older than the staleness bound → `stale`. Never zero.
 */
export function toReading(samples: RawSample[], options: ValidityOptions): MetricReading {
  if (samples.length === 0) return { ok: false, reason: 'empty', detail: 'the query matched no series' };
  if (samples.length > 1) {
    return {
      ok: false,
      reason: 'severalSeries',
      detail: `the query returned ${samples.length} series; aggregate it to one (e.g. sum(...))`,
    };
  }
  const sample = samples[0]!;
  const bad = checkSample(sample, options);
  return bad ?? { ok: true, value: sample.value };
}

/** The vector form of the rules: any non-finite or stale series makes the whole reading no data. */
export function toVectorReading(samples: RawSample[], options: ValidityOptions): VectorReading {
  const series: Series[] = [];
  for (const sample of samples) {
    const bad = checkSample(sample, options);
    if (bad) return bad;
    series.push({ labels: sample.labels, value: sample.value });
  }
  return { ok: true, series };
}

function checkSample(
  sample: RawSample,
  { now, maxAgeMs }: ValidityOptions,
): { ok: false; reason: 'notFinite' | 'stale'; detail: string } | undefined {
  if (!Number.isFinite(sample.value)) {
    return { ok: false, reason: 'notFinite', detail: `the value is ${sample.value}` };
  }
  if (maxAgeMs && sample.timestampMs !== undefined && now - sample.timestampMs > maxAgeMs) {
    const age = Math.round((now - sample.timestampMs) / 1000);
    return {
      ok: false,
      reason: 'stale',
      detail: `the sample is ${age}s old; the bound is ${Math.round(maxAgeMs / 1000)}s`,
    };
  }
  return undefined;
}

/**
 * Parses a sample value (`"1.5"`, `"NaN"`, `"+Inf"`, `"-Inf"`); undefined if not a number.
 * Case-insensitive like Go's strconv.ParseFloat, which Prometheus uses: prom-client writes `Nan`.
 */
export function parseSampleValue(text: string): number | undefined {
  switch (text.toLowerCase()) {
    case 'nan':
      return Number.NaN;
    case '+inf':
    case 'inf':
    case '+infinity':
    case 'infinity':
      return Number.POSITIVE_INFINITY;
    case '-inf':
    case '-infinity':
      return Number.NEGATIVE_INFINITY;
  }
  if (text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}

/** Why a source got no samples at all (unreachable, timeout, bad answer…). */
export type SampleFailure = { ok: false; reason: NoDataReason; detail?: string };

/**
 * A `MetricSource` from a function that fetches the raw samples of a query: `read` and `readVector`
 * apply the shared validity rules (above) on the injected clock, so every source judges alike.
 */
export function sampleSource(
  kind: string,
  samples: (query: string) => Promise<RawSample[] | SampleFailure>,
  options: { clock: Clock; maxAgeMs?: number | undefined; close: () => Promise<void> },
): MetricSource {
  const validity = () => ({ now: options.clock.now(), maxAgeMs: options.maxAgeMs });
  return {
    kind,
    async read(query: string): Promise<MetricReading> {
      const got = await samples(query);
      return Array.isArray(got) ? toReading(got, validity()) : got;
    },
    async readVector(query: string): Promise<VectorReading> {
      const got = await samples(query);
      return Array.isArray(got) ? toVectorReading(got, validity()) : got;
    },
    close: options.close,
  };
}
