import { type Cron, parseCron, windowOpen } from '../policy/cron.ts';
import type { Policy } from '../policy/schema.ts';

/** Floating-point slack so that 320 / 8 never ceils to 41. */
const EPSILON = 1e-9;

const parsed = new Map<string, Cron>();

function cronOf(text: string): Cron {
  let cron = parsed.get(text);
  if (!cron) {
    const result = parseCron(text);
    // The schema validated every expression; an invalid one here is a caller bypassing it.
    if (typeof result === 'string') throw new Error(`schedule cron "${text}": ${result}`);
    cron = result;
    parsed.set(text, cron);
  }
  return cron;
}

/** The highest `min` of the `schedule` windows open at `now` (0 when none is), pure. */
export function scheduledFloor(policy: Policy, now: number): number {
  let floor = 0;
  for (const w of policy.schedule) if (w.min > floor && windowOpen(cronOf(w.cron), w.for, now)) floor = w.min;
  return floor;
}

/**
 * The host count `buffer` asks for: what the demand (hosts' worth, unrounded; the forecast's when it
 * is higher) needs plus the spare hosts — the larger of `hosts` and `percent` of it, rounded up.
 * Measured from demand rather than from the proposal so a count held within the tolerance does not
 * grow by the buffer on every tick. 0 when no buffer is configured.
 */
export function spareHosts(policy: Policy, demand: number): number {
  const { hosts, percent } = policy.buffer;
  if (hosts === 0 && percent === 0) return 0;
  const need = Math.ceil(demand - EPSILON);
  return need + Math.max(hosts, Math.ceil((need * percent) / 100 - EPSILON));
}
