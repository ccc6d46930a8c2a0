/** Builders for the lifetime unit tests (not shipped code: imported by *.test.ts only). */
import { callEnded, callStarted, type LifetimeRules, newHistory } from './policy.ts';

export const MIN = 60_000;

/** The unit tests' rules: 1-min bins over 4 h, head 5 %, tail 99 %, margin 10 %, fixed 10 min; no forecast. */
export const TEST_RULES: LifetimeRules = {
  binMs: MIN,
  bins: 240,
  headPercentile: 5,
  tailPercentile: 99,
  margin: 0.1,
  minSamples: 10,
  minCv: 2,
  maxOutOfBounds: 0.5,
  fixedKeepAlive: 10 * MIN,
};

/** A runtime called (instantly) after each of `gaps`, ms; returns its history and the last call's time. */
export function historyOf(gaps: number[], rules: LifetimeRules = TEST_RULES) {
  const h = newHistory(rules);
  let t = 0;
  callStarted(h, t);
  callEnded(h, t);
  for (const gap of gaps) {
    t += gap;
    callStarted(h, t);
    callEnded(h, t);
  }
  return { h, t };
}
