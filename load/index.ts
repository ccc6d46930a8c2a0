export { seededRandom } from '../lib/random.ts';
export { formatMs, formatSummary, progressLine, table } from './format.ts';
export { COLD_ROUTES_METRIC, readColdRoutes, withGatewayColdRoutes } from './gateway-cold.ts';
export { countEvents, type LoadEvent, type SyntheticPlanOptions, syntheticPlan } from './plan.ts';
export {
  type HostSummary,
  LoadReport,
  type LoadSummary,
  type Percentiles,
  type RequestOutcome,
  UNKNOWN_HOST,
} from './report.ts';
export { type ExecutionOptions, executionRequest, type HttpRequest, type RequestBuilder } from './request.ts';
export { errorKind, type LoadProgress, type RunLoadOptions, runLoad } from './runner.ts';
export { LatencyRecorder } from './stats.ts';
export {
  drawDuration,
  parseDurations,
  parseInvocations,
  type Trace,
  TraceFormatError,
  type TracePlanOptions,
  tracePlan,
  traceRate,
} from './trace.ts';
export { loadTrace } from './trace-file.ts';
export { zipfCdf, zipfSampler } from './zipf.ts';
