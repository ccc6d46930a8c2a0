import { request } from 'undici';
import { ExecutorError } from './errors.ts';

// Poll interval for the runtime's port during a cold start: short, a Node runtime boots in ~50 ms.
const POLL_MS = 10;

/**
 * Resolves once `GET <url>/__opr/health` answers 200; rejects with `runtime_failed` when the
 * process exits first or the start is aborted.
 */
export async function waitForRuntime(
  url: string,
  exited: Promise<string>,
  signal: AbortSignal,
): Promise<void> {
  let exitReason: string | undefined;
  void exited.then((reason) => {
    exitReason = reason;
  });
  // One abort listener for the whole wait (one per poll piled up on a slow start).
  const abortedOnce = aborted(signal);
  while (true) {
    if (exitReason !== undefined)
      throw new ExecutorError('runtime_failed', `Runtime process ${exitReason} before listening.`);
    if (signal.aborted) {
      // The table aborts with a reason when the start's deadline passed (a runtime_timeout).
      if (signal.reason instanceof ExecutorError) throw signal.reason;
      throw new ExecutorError('runtime_failed', 'Runtime start was aborted.');
    }
    try {
      const res = await request(`${url}/__opr/health`, { headersTimeout: 1000, bodyTimeout: 1000 });
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // Not listening yet.
    }
    await Promise.race([new Promise((r) => setTimeout(r, POLL_MS)), exited, abortedOnce]);
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
