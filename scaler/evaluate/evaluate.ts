import type { Policy } from '../policy/schema.ts';
import type {
  Decision,
  DecisionStep,
  MetricReading,
  Observation,
  ObservedHost,
  ReasonCode,
  ScaleAction,
  ScalerState,
} from '../types.ts';
import { adaptQuantiles, describeQuantiles, markTrusted, quantilesInUse } from './adapt.ts';
import { pickVictims, priceWarmRuntimes } from './drain.ts';
import { scheduledFloor, spareHosts } from './floors.ts';
import { type Prediction, predict } from './predict.ts';
import { combineProposals, type MetricProposal, proposeMetric } from './proposal.ts';
import { budgetQuantiles, describeShadow, stepShadow } from './shadow.ts';
import { pruneState } from './state.ts';
import { eventsInLastHour, rateLimit, stabilize } from './windows.ts';

/*
 * Choices this evaluation makes (docs/scaling-policy.md, "How a tick evaluates a policy", describes
 * the result for users):
 * - Tolerance is per metric: |value / (target × current) − 1| ≤ tolerance proposes the current count.
 * - `onEmpty: hold` holds without counting toward the fallback; `error` (and every HTTP/PromQL error,
 *   NaN/Inf, several series, stale) holds and counts. `zero` reads an empty result as 0.
 * - The static fallback never goes below the current count (missing data never removes capacity).
 * - Panic compares the unrounded demand (hosts' worth) with the current capacity, averaged over the
 *   panic window's samples; in panic the scale-up window is skipped and scale-down is blocked, but
 *   rate policies, the churn budget and the clamps still apply (the step-up row wants the rates).
 * - Stabilization windows include their far end, and a fresh state (restart) starts with the current
 *   count as the latest recommendation, so a scale-down needs a full window of evidence after a
 *   restart too (in addition to startup.holdFor).
 * - Drain victims: booting hosts first (newest first), then active hosts in the selector's order.
 * - A booting host past bootTimeout is replaced (1:1, so it still counts this tick) and never again;
 *   afterwards it is not counted as capacity while it lingers in the registry.
 * - dryRun: identical decisions and state, actions flagged `execute: false`, the `mode` step says
 *   DryRun and `reason` keeps the decision's own code. paused: no actions, desired = current.
 */

/**
 * One tick of the scaler, pure: no I/O, no clock (`now` is an argument), no logger. Follows the
 * evaluation order of docs/scaling-policy.md and returns the desired host count, the planned actions
 * (flagged `execute: false` in dry-run), the next state and the decision record.
 */
export function evaluate(policy: Policy, previous: ScalerState, obs: Observation, now: number): Decision {
  const state = pruneState(policy, previous, now);
  const steps: DecisionStep[] = [];
  const step = (name: string, value: number | null, reason: ReasonCode, detail?: string) => {
    steps.push(detail === undefined ? { step: name, value, reason } : { step: name, value, reason, detail });
  };

  // 1. Fleet. A booting host already replaced after its boot timeout is no longer capacity.
  const active = obs.hosts.filter((h) => h.state === 'active');
  const draining = obs.hosts.filter((h) => h.state === 'draining');
  const booting = obs.hosts.filter((h) => h.state === 'booting' && !previous.replaced.includes(h.id));
  const current = active.length + (policy.capacity.countBooting ? booting.length : 0);
  step(
    'fleet',
    current,
    'Observed',
    `${active.length} active, ${booting.length} booting, ${draining.length} draining`,
  );

  // 2–3. Metrics and per-metric proposals.
  const proposals: Record<string, MetricProposal> = {};
  for (const metric of policy.metrics) {
    const p = proposeMetric(metric, obs.metrics[metric.name], current, policy.tolerance);
    proposals[metric.name] = p;
    step(`metric:${metric.name}`, p.ok ? p.hosts : null, p.reason, p.detail);
  }

  // 4. Combine; hold on missing data; fallback after `afterFailures` ticks with no valid metric.
  const combined = combineProposals(policy, proposals);
  const invalid = Object.values(proposals).filter((p) => !p.ok);
  let proposal: number;
  let reason: ReasonCode;
  if (combined.hosts === null) {
    if (invalid.some((p) => !p.ok && p.failure)) state.failures++;
    if (state.failures >= policy.fallback.afterFailures) {
      // The static fallback never scales down: missing data must not remove capacity.
      proposal =
        policy.fallback.behavior === 'static' ? Math.max(current, policy.fallback.hosts ?? 0) : current;
      reason = 'Fallback';
    } else {
      proposal = current;
      reason = 'MetricNoData';
    }
    state.idleSince = null;
  } else {
    state.failures = 0;
    proposal = combined.hosts;
    reason = combined.reason;
    if (invalid.length > 0 && proposal < current) {
      proposal = current;
      reason = 'MetricNoData';
    }
    state.idleSince = combined.hosts === 0 ? (state.idleSince ?? now) : null;
  }
  step('combine', proposal, reason, combined.hosts === null ? `${state.failures} failed tick(s)` : undefined);

  // 4b. Forecast and spare hosts, on valid data only: they may raise the proposal, never lower it
  // (the proposal is what current demand needs). A trusted forecast of every metric also replaces
  // the scale-down window in step 6: the scaler scales down along the forecast.
  let prediction: Prediction | undefined;
  const valid = combined.hosts !== null && invalid.length === 0;
  // The reactive budget (forecast.budgetMargin, missRate null): the shadow of the policy without its
  // forecast moves on every tick, valid or not (it holds on missing data as the reactive policy does).
  const budgeted =
    policy.forecast.enabled && policy.forecast.missRate === null && policy.forecast.budgetMargin !== null;
  if (budgeted) state.shadow = stepShadow(policy, state.shadow, obs, now, evaluate);
  if (policy.forecast.enabled && valid) {
    // The adaptive quantile (forecast.missRate): the miss of the tick a trusted forecast led to
    // moves it, before this tick's forecast is computed at it.
    const quantiles =
      policy.forecast.missRate === null
        ? undefined
        : adaptQuantiles(policy, state.quantiles, obs.metrics, active.length);
    const inUse = quantiles
      ? quantilesInUse(quantiles)
      : state.shadow && budgeted
        ? budgetQuantiles(policy, state.shadow)
        : undefined;
    prediction = predict(policy, obs.history ?? {}, current, now, inUse);
    const untrusted = Object.values(prediction.forecasts).some((f) => f.reason === 'ForecastUntrusted');
    const code =
      prediction.hosts !== null ? 'ForecastTrusted' : untrusted ? 'ForecastUntrusted' : 'ForecastNoHistory';
    const adaptive = quantiles
      ? `; adaptive: ${describeQuantiles(policy, quantiles)}`
      : state.shadow && budgeted
        ? `; budget: ${describeShadow(policy, state.shadow)}`
        : '';
    step('forecast', prediction.hosts, code, `${prediction.detail}${adaptive}`);
    if (quantiles) state.quantiles = markTrusted(quantiles, prediction);
    if (prediction.hosts !== null && prediction.hosts > proposal) {
      proposal = prediction.hosts;
      reason = 'Forecast';
    }
  }
  if (valid) {
    const spare = spareHosts(policy, Math.max(combined.demand ?? 0, prediction?.demand ?? 0));
    if (spare > proposal) {
      proposal = spare;
      reason = 'Buffer';
      step('buffer', proposal, reason, `${policy.buffer.hosts} host(s) or ${policy.buffer.percent} % spare`);
    }
  }
  const downFloor = prediction?.scaleDownFloor ?? null;
  const alongForecast = downFloor !== null;
  // Along a trusted forecast the tolerance's dead band does not hold hosts on the way down: the
  // forecast's margin already covers the noise the band is there for, so the count falls to what
  // current demand, the forecast (and the buffer) need. Up, the band still applies (noise moves nothing).
  if (alongForecast && proposal === current && combined.demand !== null) {
    const need = Math.max(
      Math.ceil(combined.demand - FLOAT_SLACK),
      downFloor,
      spareHosts(policy, Math.max(combined.demand, prediction?.demand ?? 0)),
    );
    if (need < current) {
      proposal = need;
      reason = 'Forecast';
      step(
        'forecast-down',
        proposal,
        reason,
        `within the tolerance of ${current}, but the forecast needs ${need}`,
      );
    }
  }

  // 5. Panic: demand ≥ threshold × capacity (averaged over the panic window) enters it; it ends
  // after `hold` without such a sample.
  let panicking = false;
  if (policy.panic.enabled) {
    if (combined.demand !== null) {
      // Capped so the state stays JSON (no Infinity) when there is demand and no capacity.
      const ratio = current > 0 ? combined.demand / current : combined.demand > 0 ? MAX_RATIO : 0;
      state.panicSamples.push({ time: now, ratio });
      const avg = state.panicSamples.reduce((s, x) => s + x.ratio, 0) / state.panicSamples.length;
      if (avg >= policy.panic.threshold) state.panic = { since: state.panic?.since ?? now, lastHigh: now };
    }
    if (state.panic && now - state.panic.lastHigh >= policy.panic.hold) state.panic = null;
    panicking = state.panic !== null;
    step(
      'panic',
      panicking ? 1 : 0,
      panicking ? 'Panic' : 'NoChange',
      panicking ? `since ${state.panic!.since}` : undefined,
    );
  }

  // 6. Stabilize (panic skips the scale-up window: scale up at once). With no history (a fresh
  // start, or no tick for longer than the windows) the current count counts as the recommendation
  // made just before this tick, so a change needs a whole window of evidence here too.
  if (state.recommendations.length === 0) state.recommendations.push({ time: now - 1, value: current });
  state.recommendations.push({ time: now, value: proposal });
  let next = stabilize(
    alongForecast ? { ...policy, scaleDown: { ...policy.scaleDown, stabilizationWindow: 0 } } : policy,
    state.recommendations,
    current,
    now,
  );
  // Along the forecast: down no further than the forecast peak over the window ahead needs.
  if (downFloor !== null && next < current) next = Math.min(current, Math.max(next, downFloor));
  if (panicking && proposal > current) {
    next = proposal;
    if (reason === 'Proposed') reason = 'Panic';
  } else if (proposal < current && next > proposal) reason = 'ScaleDownStabilized';
  else if (proposal > current && next < proposal) reason = 'ScaleUpStabilized';
  step(
    'stabilize',
    next,
    reason,
    alongForecast
      ? `scale-down window replaced by the forecast: ${downFloor} host(s) over the window ahead`
      : undefined,
  );

  // No scale-down right after a (re)start, nor while panicking.
  if (next < current && now - obs.startedAt < policy.startup.holdFor) {
    next = current;
    reason = 'StartupHold';
    step('startup', next, reason);
  } else if (next < current && panicking) {
    next = current;
    reason = 'Panic';
    step('panic-hold', next, reason);
  }

  // 7. Rate policies, then the churn budget.
  if (next !== current) {
    const up = next > current;
    const limit = rateLimit(up ? policy.scaleUp : policy.scaleDown, up, state.events, current, now);
    const limited = up ? Math.min(next, limit) : Math.max(next, limit);
    if (limited !== next) {
      next = limited;
      reason = 'RateLimited';
      step('rate', next, reason, `limit ${limit}`);
    }
  }
  const maxEvents = policy.budget.maxScaleEventsPerHour;
  if (next !== current && maxEvents !== null && eventsInLastHour(state.events, now) >= maxEvents) {
    next = current;
    reason = 'BudgetLimited';
    step('churn', next, reason, `${maxEvents} scale events in the last hour`);
  }

  // 8. Clamp to [min, max] and the budget; zero only after `idleFor` with scaleToZero enabled.
  const idle =
    policy.scaleToZero.enabled &&
    state.idleSince !== null &&
    now - state.idleSince >= policy.scaleToZero.idleFor;
  const floor = scheduledFloor(policy, now);
  const lower = Math.max(idle ? 0 : Math.max(policy.hosts.min, 1), floor);
  const budgetMax = policy.budget.maxHosts ?? Number.POSITIVE_INFINITY;
  const upper = Math.min(policy.hosts.max, budgetMax);
  let desired = Math.min(Math.max(next, lower), upper);
  if (next > upper || (desired === upper && proposal > upper)) {
    reason = budgetMax < policy.hosts.max ? 'BudgetLimited' : 'AtMax';
  } else if (next < lower || (desired === lower && proposal < lower)) {
    reason = floor === lower && floor > Math.max(policy.hosts.min, 1) ? 'ScheduledFloor' : 'AtMin';
  }
  if (desired !== next || ['AtMax', 'AtMin', 'BudgetLimited', 'ScheduledFloor'].includes(reason)) {
    step('clamp', desired, reason, `[${lower}, ${upper}]`);
  }
  if (desired === 0 && current > 0 && reason !== 'AtMin') reason = 'ScaleToZero';

  // Final reason: a plain proposal becomes the direction it went.
  if (reason === 'Proposed' || reason === 'Observed') {
    reason = desired > current ? 'ScaleUp' : desired < current ? 'ScaleDown' : 'NoChange';
  }

  // 9. Plan.
  const mode = policy.mode;
  if (mode === 'paused') desired = current;
  const execute = mode === 'enforce';
  const actions: ScaleAction[] = [];
  if (mode !== 'paused') {
    const toStart = desired - active.length - booting.length;
    const picked = pickVictims(policy.drain.select, booting, active, -toStart);
    const { victims, kept } = priceWarmRuntimes(policy, picked);
    if (kept.length > 0) {
      desired += kept.length;
      reason = 'WarmRuntimesKept';
      step(
        'warm-price',
        desired,
        reason,
        `kept ${kept.map((h) => `${h.id} (${h.warmRuntimes} warm)`).join(', ')}: worth more than ${Math.round(policy.scaleDown.stabilizationWindow / 1000)}s of host-time each`,
      );
    }
    if (toStart > 0) actions.push({ type: 'start', count: toStart, execute });
    for (const v of victims) actions.push({ type: 'drain', hostId: v.id, execute });
    for (const h of timedOut(policy, booting, now)) {
      if (victims.includes(h)) continue;
      actions.push({ type: 'replace', hostId: h.id, execute });
      state.replaced.push(h.id);
      step(
        'boot',
        null,
        'BootTimeout',
        `${h.id} booting for ${Math.round((now - bootStart(h)) / 1000)}s: replaced`,
      );
    }
    if (desired !== current) state.events.push({ time: now, from: current, to: desired });
  }
  const present = new Set(obs.hosts.map((h) => h.id));
  state.replaced = state.replaced.filter((id) => present.has(id));
  step('mode', desired, mode === 'enforce' ? 'Enforce' : mode === 'dryRun' ? 'DryRun' : 'Paused');
  if (mode === 'paused') reason = 'Paused';

  return {
    desired,
    actions,
    state,
    record: {
      time: now,
      pool: policy.pool,
      mode,
      inputs: {
        hosts: { active: active.length, booting: booting.length, draining: draining.length },
        current,
        metrics: copyReadings(obs.metrics),
      },
      steps,
      ...(prediction ? { forecasts: prediction.forecasts } : {}),
      reason,
      desired,
      actions,
    },
  };
}

/** Floating-point slack so that 320 / 8 never ceils to 41. */
const FLOAT_SLACK = 1e-9;

/** Demand ÷ capacity recorded when there is no capacity at all. */
const MAX_RATIO = 1e9;

function bootStart(h: ObservedHost): number {
  return h.bootStartedAt ?? h.registeredAt;
}

function timedOut(policy: Policy, booting: ObservedHost[], now: number): ObservedHost[] {
  return booting.filter((h) => now - bootStart(h) > policy.capacity.bootTimeout);
}

function copyReadings(metrics: Record<string, MetricReading>): Record<string, MetricReading> {
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, { ...v }]));
}
