/** How `waitFor` polls: a timeout in ms, or the full options. */
export type WaitOptions =
  | number
  | {
      /** How long to keep polling; default 20 s. */
      timeoutMs?: number;
      /** The pause between two probes; default 50 ms. */
      intervalMs?: number;
      /** Extra text for the timeout message (e.g. a process's last log lines). */
      context?: () => string;
    };

/** Thrown by a probe to end the wait at once (the awaited thing can no longer happen, e.g. its process exited). */
export class StopWaiting extends Error {
  override name = 'StopWaiting';
}

/** What a probe returns while the condition does not hold yet. */
type NotYet = undefined | false;

/**
 * The tests' one polling helper, for conditions that no event announces (another process's state,
 * a metric, a file): calls `probe` until it returns something other than `undefined` or `false`
 * and returns that. A probe that throws counts as "not yet", unless it throws `StopWaiting`, which
 * ends the wait with that error. When the time is up it throws an error
 * naming `what`, the timeout, how many probes ran and the last error a probe threw.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | NotYet | Promise<T | NotYet>,
  options: WaitOptions = {},
): Promise<T> {
  const {
    timeoutMs = 20_000,
    intervalMs = 50,
    context,
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let probes = 0;
  let lastError: unknown;
  for (;;) {
    probes++;
    const value = await Promise.resolve()
      .then(probe)
      .catch((error: unknown) => {
        if (error instanceof StopWaiting) throw error;
        lastError = error;
        return undefined;
      });
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const why = lastError === undefined ? '' : `; last error: ${String(lastError)}`;
      const more = context ? `\n${context()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${probes} probes${why})${more}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
