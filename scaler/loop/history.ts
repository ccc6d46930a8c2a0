import type { Logger } from '../../lib/logger.ts';
import type { Policy } from '../policy/schema.ts';
import type { MetricSource } from '../sources/types.ts';
import type { HistoryPoint, MetricReading } from '../types.ts';

/** How long to wait before asking for the history again after a failed range query. */
const RETRY_MS = 5 * 60_000;

/**
 * Each metric's history for the forecaster (the I/O side of `forecast`): seeded once from the
 * source's range query (Prometheus `query_range`, peaks per `forecast.step` over `forecast.lookback`),
 * then kept in memory from every tick's reading and pruned to the lookback. A source without
 * range queries (the gateway source) starts empty: the forecast is untrusted until `minHistory` has
 * passed, and the policy is reactive meanwhile.
 */
export class MetricHistory {
  private readonly points = new Map<string, HistoryPoint[]>();
  private readonly seededAt = new Map<string, { ok: boolean; at: number }>();

  constructor(
    private readonly policy: Policy,
    private readonly source: MetricSource,
    private readonly log: Logger,
  ) {}

  /** Seeds every metric not seeded yet from a range query (retrying a failed one after 5 min). */
  async seed(now: number): Promise<void> {
    if (!this.source.readRange) return;
    const { step, lookback } = this.policy.forecast;
    await Promise.all(
      this.policy.metrics.map(async (m) => {
        const tried = this.seededAt.get(m.name);
        if (tried && (tried.ok || now - tried.at < RETRY_MS)) return;
        const got = await this.source.readRange!(m.query, now - lookback, now, step).catch(
          (error: unknown) => ({ ok: false as const, reason: 'badResponse' as const, detail: String(error) }),
        );
        this.seededAt.set(m.name, { ok: got.ok, at: now });
        if (!got.ok) {
          this.log.warn(
            { metric: m.name, reason: got.reason, detail: got.detail },
            'no history for the forecast',
          );
          return;
        }
        const kept = this.points.get(m.name) ?? [];
        const older = got.points.filter((p) => p.t < (kept[0]?.t ?? Number.POSITIVE_INFINITY));
        this.points.set(m.name, [...older, ...kept]);
        this.log.info({ metric: m.name, points: older.length }, 'forecast history loaded');
      }),
    );
  }

  /** Appends this tick's valid readings and drops what is older than the lookback. */
  record(readings: Record<string, MetricReading>, now: number): void {
    const oldest = now - this.policy.forecast.lookback;
    for (const [name, reading] of Object.entries(readings)) {
      if (!reading.ok || !Number.isFinite(reading.value)) continue;
      const list = this.points.get(name) ?? [];
      if (list.length > 0 && list.at(-1)!.t >= now) continue;
      list.push({ t: now, value: reading.value });
      let drop = 0;
      while (drop < list.length && list[drop]!.t < oldest) drop++;
      // The same array object stays (the forecaster caches by it); splice only when worth it.
      if (drop > 1000 || drop === list.length) list.splice(0, drop);
      this.points.set(name, list);
    }
  }

  /** The history the pure core reads, by metric name. */
  get(): Record<string, readonly HistoryPoint[]> {
    return Object.fromEntries(this.points);
  }
}
