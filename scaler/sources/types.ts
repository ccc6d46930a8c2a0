/**
 * Why a metric reading is "no data". A source never turns any of these into a number: the
 * evaluation holds (and later falls back) instead of scaling on a guess.
 */
export type NoDataReason =
  /** The server answered with a non-2xx HTTP status. */
  | 'httpError'
  /** Prometheus answered `status: "error"` (bad PromQL, execution error). */
  | 'queryError'
  /** Connection refused, reset, DNS failure… */
  | 'unreachable'
  /** No answer within the source's timeout. */
  | 'timeout'
  /** The body was not what the API promises (not JSON, wrong shape, unparsable exposition text). */
  | 'badResponse'
  /** The query matched no series. */
  | 'empty'
  /** The value is NaN, +Inf or -Inf. */
  | 'notFinite'
  /** The query returned more than one series where one number was needed. */
  | 'severalSeries'
  /** The sample is older than the source's staleness bound. */
  | 'stale'
  /** The gateway source cannot compute this query in process (see scaler/sources/query.ts). */
  | 'unsupportedQuery';

/** The result of reading one metric: a finite number, or "no data" with a reason. */
export type MetricReading =
  | { ok: true; value: number }
  | { ok: false; reason: NoDataReason; detail?: string };

/** One series of a vector result. */
export interface Series {
  labels: Record<string, string>;
  value: number;
}

/** The result of a vector query (e.g. `sum by (host) (…)`): every series, or "no data". */
export type VectorReading =
  | { ok: true; series: Series[] }
  | { ok: false; reason: NoDataReason; detail?: string };

/** One past value of a query (ms since the epoch), for the forecaster's history. */
export interface RangePoint {
  t: number;
  value: number;
}

/** The result of a range query: one series' points, oldest first, or "no data". */
export type RangeReading =
  | { ok: true; points: RangePoint[] }
  | { ok: false; reason: NoDataReason; detail?: string };

/**
 * Where the scaler reads its metrics. Sources never throw for a bad answer: every failure is a
 * `{ ok: false, reason }` value (KEDA and Knative treat "no data" as a result, not an exception).
 */
export interface MetricSource {
  /** Which source this is (`prometheus`, `gateway`), for logs and metric labels. */
  readonly kind: string;
  /** Evaluates a query that must give exactly one finite number. */
  read(query: string): Promise<MetricReading>;
  /** Evaluates a query that may give several series (one per host, say); values must be finite. */
  readVector(query: string): Promise<VectorReading>;
  /**
   * The peak of a one-number query over each `stepMs` from `startMs` to `endMs` (Prometheus
   * `query_range`), for the forecaster's history. Absent on sources without history (the gateway
   * source: its history is kept in memory from each tick's reading).
   */
  readRange?(query: string, startMs: number, endMs: number, stepMs: number): Promise<RangeReading>;
  /** Releases connections. */
  close(): Promise<void>;
}
