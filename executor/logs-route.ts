import type { HttpBindings } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Clock } from '../lib/clock.ts';
import type { ExecutorMetrics } from '../metrics/executor.ts';
import { ExecutorError } from './errors.ts';
import { checkRuntimeId } from './fields.ts';
import type { LogLine, RuntimeEntry, RuntimeTable } from './runtimes.ts';

// How often an absent runtime is looked for while a logs request waits for it.
export const APPEAR_POLL_MS = 50;
const MAX_TIMEOUT_S = 86_400;

/**
 * `GET /v1/runtimes/:runtimeId/logs?timeout=600`: an event stream of `<time> <text>` lines (the
 * real executor's time format), the runtime's output so far and then as it comes, until the runtime
 * is initialised, the timeout or the runtime stops.
 * Waits for an absent runtime to appear; 504 `logs_timeout` if it never does. `timeout` is in
 * seconds (default 600, the contract's) and is clamped to 86 400 (one day). The request body is
 * discarded, and the wait or the stream ends as soon as the client goes away.
 */
export function registerLogsRoute(
  app: Hono,
  deps: { table: RuntimeTable; clock: Clock; metrics: ExecutorMetrics },
): void {
  app.get('/v1/runtimes/:runtimeId/logs', async (c) => {
    const id = checkRuntimeId(c.req.param('runtimeId'), 'general_argument_invalid');
    const raw = c.req.query('timeout');
    const timeoutS = raw === undefined || raw === '' ? 600 : Number(raw);
    if (!Number.isFinite(timeoutS) || timeoutS < 0) {
      throw new ExecutorError(
        'general_argument_invalid',
        `Invalid "timeout": must be a number ≥ 0, got "${raw}".`,
      );
    }
    // Capped at a day: longer waits only risk timer overflow (setTimeout fires at once past 2^31 ms).
    const until = Date.now() + Math.min(timeoutS, MAX_TIMEOUT_S) * 1000;
    const client = c.req.raw.signal;
    // Discard any request body: unread bytes would keep the socket from ever seeing the client's
    // close, and this handler can wait a long time (found by the executor fuzz test).
    (c.env as Partial<HttpBindings> | undefined)?.incoming?.resume();
    deps.metrics.logStreams.inc();
    let released = false;
    const release = () => {
      if (!released) deps.metrics.logStreams.dec();
      released = true;
    };
    let entry = deps.table.get(id);
    while (!entry && Date.now() < until && !client.aborted) {
      // Unref'd: a waiting logs request must not keep a stopped executor process alive.
      await new Promise((r) =>
        setTimeout(r, Math.min(APPEAR_POLL_MS, Math.max(0, until - Date.now()))).unref(),
      );
      entry = deps.table.get(id);
    }
    if (!entry || client.aborted) {
      release();
      throw new ExecutorError(
        'logs_timeout',
        entry
          ? 'The client went away while waiting for logs.'
          : `Timed out waiting for logs of runtime "${id}".`,
      );
    }
    return new Response(logStream(entry, until, client, release), {
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
    });
  });
}

function logStream(
  entry: RuntimeEntry,
  until: number,
  client: AbortSignal,
  release: () => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cleanup = () => {};
  return new ReadableStream({
    start(controller) {
      // One line per entry, as the real executor: a newline inside the content is sent as `\n`.
      const format = (l: LogLine) => encoder.encode(`${l.timestamp} ${l.content.replaceAll('\n', '\\n')}\n`);
      for (const line of entry.output) controller.enqueue(format(line));
      let closed = false;
      const listener = (line: LogLine | undefined) => {
        if (closed) return;
        if (line) controller.enqueue(format(line));
        else finish();
      };
      const timer = setTimeout(() => finish(), Math.max(0, until - Date.now()));
      timer.unref();
      const finish = () => {
        if (closed) return;
        closed = true;
        cleanup();
        controller.close();
      };
      const onClientGone = () => finish();
      client.addEventListener('abort', onClientGone, { once: true });
      cleanup = () => {
        release();
        clearTimeout(timer);
        entry.listeners.delete(listener);
        client.removeEventListener('abort', onClientGone);
      };
      if (entry.gone || entry.instance) return finish();
      entry.listeners.add(listener);
      // The stream ends once the runtime is initialised (or failed to start), as the real one does.
      entry.ready.then(finish, finish);
    },
    cancel() {
      cleanup();
    },
  });
}
