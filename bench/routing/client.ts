import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { LoadEvent } from '../../load/plan.ts';

/** What happened to one scheduled request. */
export interface RequestRecord {
  runtimeId: string;
  /** Scheduled send time, ms after the start. */
  at: number;
  /** Actual send time and completion time, ms after the start. */
  sent: number;
  end: number;
  status: number;
  /** The execution time the request asked the simulated function for (`x-sim-duration-ms`), ms. */
  durationMs?: number;
  /** The executor that ran it (from the simulated function's answer), when it succeeded. */
  host?: string;
  /** The executor's own `duration` of the execution (cold start and slot wait included), ms. */
  executorMs?: number;
  /** Time inside the simulated runtime (slot wait and execution: the function's `durationMs`), ms. */
  runtimeMs?: number;
  /** Time Fleetgate's activator held the request for a create (`x-fleetgate-cold-start` `dur=`), ms. */
  holdMs?: number;
  /**
   * When the executor's handler began (its answer's `startTime`, wall clock), ms after the start:
   * `arrived − sent` is the way to the executor (client, router, connection), `end − arrived −
   * executorMs` the way back.
   */
  arrived?: number;
  error?: string;
}

/** Something to do at a point of the schedule (add, drain or kill a host). */
export interface ScheduledAction {
  at: number;
  name: string;
  /** Runs the action; calls `mark()` at the instant it takes effect (after any scrape it does first). */
  run(mark: () => void): Promise<void>;
}

/** What happened to an action: when it started, when it took effect, whether it failed. */
export interface ActionLog {
  name: string;
  at: number;
  effectiveAt?: number;
  error?: string;
}

/** Options of one open-loop run. */
export interface OpenLoopOptions {
  url: string;
  events: readonly LoadEvent[];
  actions: readonly ScheduledAction[];
  secret: string;
  headers: Record<string, string>;
  /** Per-request timeout (headers and body), ms. */
  timeoutMs: number;
  /** Seconds the function is allowed to run (the execution's `timeout` field). */
  executionTimeoutSeconds: number;
}

/** The execution body: image/source so the executor cold-starts the runtime when it is absent. */
function executionBody(timeoutSeconds: number): string {
  return JSON.stringify({
    image: 'openruntimes/node:v5-22.0',
    source: '',
    entrypoint: 'index.js',
    timeout: timeoutSeconds,
    method: 'POST',
    path: '/',
    headers: {},
    body: '',
  });
}

/** The sum of the `dur=` parts of an `x-fleetgate-cold-start` header (`created;dur=512, …`), ms. */
export function holdTime(header: string): number {
  let sum = 0;
  for (const m of header.matchAll(/dur=(\d+(?:\.\d+)?)/g)) sum += Number(m[1]);
  return sum;
}

interface Answer {
  host?: string;
  executorMs?: number;
  runtimeMs?: number;
  /** The executor's `startTime`, ms since the epoch. */
  startedAt?: number;
}

function parseAnswer(text: string): Answer {
  try {
    const outer = JSON.parse(text) as { body?: unknown; duration?: unknown; startTime?: unknown };
    const out: Answer = {};
    if (typeof outer.duration === 'number') out.executorMs = outer.duration * 1000;
    if (typeof outer.startTime === 'number') out.startedAt = outer.startTime * 1000;
    if (typeof outer.body !== 'string') return out;
    const inner = JSON.parse(outer.body) as { hostname?: unknown; durationMs?: unknown };
    if (typeof inner.hostname === 'string') out.host = inner.hostname;
    if (typeof inner.durationMs === 'number') out.runtimeMs = inner.durationMs;
    return out;
  } catch {
    return {};
  }
}

/**
 * Warms a router up before the measured run: `count` executions of runtimes that do not exist and
 * carry no `image`, so they travel the whole path (router, connection pools, executor) and come
 * back 404 `runtime_not_found` without starting any runtime or touching the cold-start counters.
 * Returns the status codes seen, by code.
 */
export async function warmUp(
  url: string,
  secret: string,
  headers: Record<string, string>,
  count: number,
  concurrency: number,
): Promise<Record<string, number>> {
  const pool = new Pool(url, { connections: concurrency });
  const seen: Record<string, number> = {};
  let next = 0;
  const body = JSON.stringify({ timeout: 5, method: 'POST', path: '/', headers: {}, body: '' });
  const worker = async () => {
    while (next < count) {
      const i = next++;
      try {
        const res = await pool.request({
          path: `/v1/runtimes/warmup-${i % 64}/executions`,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            authorization: `Bearer ${secret}`,
            ...headers,
          },
          body,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        await res.body.dump();
        seen[res.statusCode] = (seen[res.statusCode] ?? 0) + 1;
      } catch (error) {
        const kind = (error as { code?: string }).code ?? 'error';
        seen[kind] = (seen[kind] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await pool.close();
  return seen;
}

/**
 * Sends every event at its scheduled time whatever the target does (open loop: a slow target meets
 * the same demand, and latency is measured from the scheduled time, so queueing in the client counts
 * against the target — no coordinated omission). Actions run at their time without pausing the load.
 */
export async function runOpenLoop(
  options: OpenLoopOptions,
): Promise<{ records: RequestRecord[]; actions: ActionLog[] }> {
  const pool = new Pool(options.url, { connections: 1024, pipelining: 1 });
  const body = executionBody(options.executionTimeoutSeconds);
  const base = {
    'content-type': 'application/json',
    accept: 'application/json',
    authorization: `Bearer ${options.secret}`,
    ...options.headers,
  };
  const records: RequestRecord[] = [];
  const pending: Promise<void>[] = [];
  const actionLog: ActionLog[] = [];
  const actions = [...options.actions].sort((a, b) => a.at - b.at);
  const start = performance.now();
  const now = () => performance.now() - start;
  // The wall-clock time of `start`, to place the executors' `startTime` on this run's clock.
  const epochStart = performance.timeOrigin + start;

  const fire = async (event: LoadEvent) => {
    const sent = now();
    const headers: Record<string, string> = { ...base };
    if (event.durationMs !== undefined) headers['x-sim-duration-ms'] = String(event.durationMs);
    const record: RequestRecord = { runtimeId: event.runtimeId, at: event.at, sent, end: 0, status: 0 };
    if (event.durationMs !== undefined) record.durationMs = event.durationMs;
    try {
      const res = await pool.request({
        path: `/v1/runtimes/${encodeURIComponent(event.runtimeId)}/executions`,
        method: 'POST',
        headers,
        body,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      const text = await res.body.text();
      record.status = res.statusCode;
      const hold = res.headers['x-fleetgate-cold-start'];
      if (typeof hold === 'string') record.holdMs = holdTime(hold);
      if (res.statusCode >= 400) record.error = `http_${res.statusCode}`;
      else {
        const answer = parseAnswer(text);
        if (answer.host) record.host = answer.host;
        if (answer.executorMs !== undefined) record.executorMs = answer.executorMs;
        if (answer.runtimeMs !== undefined) record.runtimeMs = answer.runtimeMs;
        if (answer.startedAt !== undefined) record.arrived = answer.startedAt - epochStart;
      }
    } catch (error) {
      record.error = (error as { code?: string }).code ?? (error as Error).name ?? 'error';
    }
    record.end = now();
    records.push(record);
  };

  const runAction = (a: ScheduledAction) => {
    const entry: ActionLog = { name: a.name, at: now() };
    actionLog.push(entry);
    pending.push(
      a
        .run(() => {
          entry.effectiveAt = now();
        })
        .catch((error: unknown) => {
          entry.error = (error as Error).message;
        }),
    );
  };

  const waitUntil = async (at: number) => {
    const wait = at - now();
    if (wait > 1) await sleep(wait);
  };
  let next = 0;
  for (const event of options.events) {
    while (next < actions.length && actions[next]!.at <= event.at) {
      const a = actions[next++]!;
      await waitUntil(a.at);
      runAction(a);
    }
    await waitUntil(event.at);
    pending.push(fire(event));
  }
  for (const a of actions.slice(next)) {
    await waitUntil(a.at);
    runAction(a);
  }
  await Promise.all(pending);
  await pool.close();
  return { records, actions: actionLog };
}
