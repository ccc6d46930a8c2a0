/**
 * The shapes the pure scaler core exchanges with its shell: what one tick observes, what it decides,
 * the state it carries to the next tick and the decision record it leaves behind. Everything here is
 * plain data (JSON-serialisable), so `explain` can serve records and tests can compare them. The
 * state lives in each scaler's memory only (`PoolLoop.state` in scaler/loop/pool-loop.ts), never in
 * Redis: a follower evaluates every tick too, so its windows are warm when it takes over, and a
 * restarted scaler starts from `initialState()` (a full stabilization window, `startup.holdFor`).
 */
import type { ShadowState } from './evaluate/shadow.ts';
import type { AdaptiveQuantile } from './forecast/adaptive.ts';
import type { ForecastResult } from './forecast/forecast.ts';
import type { HistoryPoint } from './forecast/history.ts';
import type { MetricReading } from './sources/types.ts';

export type { ForecastResult } from './forecast/forecast.ts';
export type { HistoryPoint } from './forecast/history.ts';

export type { MetricReading, NoDataReason } from './sources/types.ts';

/** A host as the scaler sees it on one tick (from the registry plus the gateways' metrics). */
export interface ObservedHost {
  id: string;
  state: 'booting' | 'active' | 'draining';
  /** Milliseconds since the epoch. */
  registeredAt: number;
  /** When its boot began (defaults to `registeredAt`); used for the boot timeout. */
  bootStartedAt?: number;
  /** Runtimes currently warm on the host (drain prefers hosts with the fewest). */
  warmRuntimes: number;
  /** Requests in flight on the host right now. */
  inflight: number;
}

/** Everything one tick observes. */
export interface Observation {
  hosts: ObservedHost[];
  /** One reading per policy metric, by metric name; a missing entry counts as no data. */
  metrics: Record<string, MetricReading>;
  /** When this scaler process (re)started, in milliseconds since the epoch (startup hold). */
  startedAt: number;
  /**
   * Past values of each metric, by metric name, oldest first (a Prometheus range query, then each
   * tick's reading): what the forecast learns from. Missing: no forecast, the reactive policy alone.
   */
  history?: Record<string, readonly HistoryPoint[]>;
}

/** A planned change to the fleet. `execute: false` in dry-run mode: record it, do not do it. */
export type ScaleAction =
  | { type: 'start'; count: number; execute: boolean }
  | { type: 'drain'; hostId: string; execute: boolean }
  | { type: 'replace'; hostId: string; execute: boolean };

/** The final reason code of a decision (and the reason of each step). */
export type ReasonCode =
  | 'Observed'
  | 'ScaleUp'
  | 'ScaleDown'
  | 'ScaleDownStabilized'
  | 'ScaleUpStabilized'
  | 'WithinTolerance'
  | 'Proposed'
  | 'Inactive'
  | 'Panic'
  | 'MetricNoData'
  | 'Fallback'
  | 'BudgetLimited'
  | 'RateLimited'
  | 'AtMax'
  | 'AtMin'
  | 'ScaleToZero'
  | 'StartupHold'
  | 'BootTimeout'
  | 'DryRun'
  | 'Paused'
  | 'Enforce'
  | 'NoChange'
  /** Raised ahead of the forecast demand (final reason), or the forecast governed the scale-down. */
  | 'Forecast'
  | 'ForecastTrusted'
  | 'ForecastUntrusted'
  | 'ForecastNoHistory'
  /** Spare hosts of `buffer` raised the proposal. */
  | 'Buffer'
  /** A `schedule` window's minimum raised the count. */
  | 'ScheduledFloor'
  /** Drain victims kept because their warm runtimes are worth more than the host-time saved. */
  | 'WarmRuntimesKept';

/** One evaluation step in the decision record: its resulting value and why. */
export interface DecisionStep {
  step: string;
  value: number | null;
  reason: ReasonCode;
  detail?: string;
}

/** The record of one tick: inputs, every step and the final reason code. */
export interface DecisionRecord {
  time: number;
  pool: string;
  mode: 'enforce' | 'dryRun' | 'paused';
  inputs: {
    hosts: { active: number; booting: number; draining: number };
    /** Hosts counted as current capacity (active, plus booting when `capacity.countBooting`). */
    current: number;
    metrics: Record<string, MetricReading>;
  };
  steps: DecisionStep[];
  /** Each forecast metric's forecast, its error so far and whether it was trusted (forecast.enabled). */
  forecasts?: Record<string, ForecastResult>;
  /** The decision's reason code (in dry-run the decision's own reason; the `mode` step says DryRun). */
  reason: ReasonCode;
  desired: number;
  actions: ScaleAction[];
}

/** A past scale decision: the desired count moved from `from` to `to` at `time`. */
export interface ScaleEvent {
  time: number;
  from: number;
  to: number;
}

/** What `evaluate` carries from one tick to the next. Serialisable; `initialState()` makes a fresh one. */
export interface ScalerState {
  version: 1;
  /** Stabilized-window input: the proposal of each recent tick. */
  recommendations: { time: number; value: number }[];
  /** Scale decisions of the last hour (rate policies and the churn budget). */
  events: ScaleEvent[];
  /** Consecutive ticks with no valid metric and at least one failed read. */
  failures: number;
  /** Panic mode: entered at `since`, last sample at or above the threshold at `lastHigh`. */
  panic: { since: number; lastHigh: number } | null;
  /** Since when the combined proposal has been zero (scale to zero), or null. */
  idleSince: number | null;
  /** Booting hosts already replaced after the boot timeout (replaced once, never twice). */
  replaced: string[];
  /** Panic samples (demand ÷ capacity) within the panic window. */
  panicSamples: { time: number; ratio: number }[];
  /**
   * The forecast's adaptive quantile per metric (forecast.missRate set; scaler/forecast/adaptive.ts),
   * and whether that metric's forecast was trusted on the last tick (the next tick's miss is counted then).
   */
  quantiles?: Record<string, AdaptiveQuantile & { trusted: boolean }>;
  /**
   * The reactive shadow and the forecast's budget (forecast.budgetMargin set, missRate null;
   * scaler/evaluate/shadow.ts): what the policy without its forecast would have provisioned.
   */
  shadow?: ShadowState;
}

/** What `evaluate` returns. */
export interface Decision {
  desired: number;
  actions: ScaleAction[];
  state: ScalerState;
  record: DecisionRecord;
}
