import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { syntheticPlan } from '../../../load/plan.ts';
import type { LoadSummary } from '../../../load/report.ts';
import { executionRequest } from '../../../load/request.ts';
import { errorKind, runLoad } from '../../../load/runner.ts';
import { NODE_IMAGE } from '../../support/executors.ts';
import { recordReliability } from '../../support/reliability.ts';
import { FAULT_GATEWAY_SECRET } from './gateway-process.ts';
import { SEQ_HEADER } from './recording-host.ts';

/** What happened to one request of a fault run, by sequence number. */
export interface SeqOutcome {
  /** ms since the run started (performance clock). */
  sentAt: number;
  /** When its first byte went to a connected socket (undici's `sendHeaders`), or it failed unwritten. */
  writtenAt?: number;
  doneAt?: number;
  status?: number;
  /** Gateway error code from the JSON body, or the client-side error kind. */
  error?: string;
  /** The host that served it (`x-fleetgate-host`). */
  host?: string;
  /** The gateway's error message (the JSON body's `message`), for failure details. */
  message?: string;
}

/** Steady open-loop load on a gateway for a fault test. */
export interface FaultLoadOptions {
  target: string;
  rps: number;
  durationMs: number;
  runtimes?: number;
  /** Execution time asked of every request (simulated executors); default their own. */
  execTimeMs?: number;
  secret?: string;
  timeoutMs?: number;
  seed?: number;
  prefix?: string;
}

/**
 * Each load of a test process numbers its requests from its own block, so hosts that record several
 * loads (one test after another) never confuse one load's request with another's.
 */
const SEQ_BLOCK = 10_000_000;
let nextSeqBlock = 0;

/** A load run in progress. */
export interface FaultLoad {
  /** Milliseconds since the run started (same clock as the outcomes). */
  now(): number;
  /** Requests sent so far. */
  sent(): number;
  /** Resolves with the generator's summary and every request's outcome. */
  done: Promise<FaultLoadResult>;
  /** Stops sending (requests in flight finish). */
  stop(): void;
  /**
   * Sequence numbers of the requests handed to the client whose first byte is not written to a
   * connected socket yet (undici queues a request until its connection is up).
   */
  unwritten(): number[];
}

/** The result of a fault run. */
export interface FaultLoadResult {
  summary: LoadSummary;
  outcomes: Map<number, SeqOutcome>;
  /** Sequence numbers of the requests that failed (status ≥ 400 or no complete response). */
  failed: number[];
}

/**
 * Runs the load generator (`load/runner.ts`: open loop, counts planned, sent and skipped requests)
 * with a sequence number on every request, and records each request's fate by that number, so a
 * test can compare the failures with what the hosts actually received.
 */
export function startFaultLoad(options: FaultLoadOptions): FaultLoad {
  const outcomes = new Map<number, SeqOutcome>();
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  let seq = nextSeqBlock;
  nextSeqBlock += SEQ_BLOCK;
  const base = executionRequest({
    secret: options.secret ?? FAULT_GATEWAY_SECRET,
    image: NODE_IMAGE,
    source: '',
    entrypoint: 'index.mjs',
    timeoutSeconds: 60,
  });
  const stop = new AbortController();
  const dispatcher = new RecordingPool(options.target, outcomes, now);
  const done = runLoad({
    target: options.target,
    plan: syntheticPlan({
      rps: options.rps,
      durationMs: options.durationMs,
      runtimes: options.runtimes ?? 20,
      zipf: 1,
      seed: options.seed ?? 7,
      prefix: options.prefix ?? 'fault',
      ...(options.execTimeMs ? { execTimeMs: options.execTimeMs } : {}),
    }),
    durationMs: options.durationMs,
    request: (event) => {
      const req = base(event);
      req.headers[SEQ_HEADER] = String(seq++);
      return req;
    },
    timeoutMs: options.timeoutMs ?? 60_000,
    maxInFlight: 2_000,
    dispatcher,
    signal: stop.signal,
  }).then(async (summary) => {
    await dispatcher.close();
    dispatcher.stopRecording();
    const failed = [...outcomes.entries()]
      .filter(([, o]) => o.error !== undefined || o.status === undefined || o.status >= 400)
      .map(([s]) => s)
      .sort((a, b) => a - b);
    return { summary, outcomes, failed };
  });
  const unwritten = () =>
    [...outcomes.entries()].filter(([, o]) => o.writtenAt === undefined).map(([s]) => s);
  return { now, sent: () => seq, done, stop: () => stop.abort(), unwritten };
}

const SEQ_IN_HEADERS = new RegExp(String.raw`\r\n${SEQ_HEADER}: *(\d+)\r\n`, 'i');

/**
 * An undici Pool that notes, per sequence number, when the request went out, its status, the
 * gateway's error code and the serving host. The runner reads the body; a body that breaks off is
 * recorded as an error.
 */
class RecordingPool extends Pool {
  constructor(
    origin: string,
    private readonly outcomes: Map<number, SeqOutcome>,
    private readonly now: () => number,
  ) {
    super(origin, { connections: 512, pipelining: 1 });
    subscribe('undici:client:sendHeaders', this.onSendHeaders);
  }

  /** Notes when each of this pool's requests is written (every undici client publishes here). */
  private readonly onSendHeaders = (message: unknown) => {
    const seq = SEQ_IN_HEADERS.exec((message as { headers: string }).headers)?.[1];
    const outcome = seq === undefined ? undefined : this.outcomes.get(Number(seq));
    if (outcome && outcome.writtenAt === undefined) outcome.writtenAt = this.now();
  };

  /** Stops noting writes (once the load is done). */
  stopRecording(): void {
    unsubscribe('undici:client:sendHeaders', this.onSendHeaders);
  }

  // biome-ignore lint/suspicious/noExplicitAny: wraps the overloaded Dispatcher.request
  override request(options: any, callback?: any): any {
    if (callback) return super.request(options, callback);
    const seq = Number(options.headers?.[SEQ_HEADER]);
    const outcome: SeqOutcome = { sentAt: this.now() };
    this.outcomes.set(seq, outcome);
    return super.request(options).then(
      (res) => {
        outcome.status = res.statusCode;
        const host = res.headers['x-fleetgate-host'];
        if (typeof host === 'string') outcome.host = host;
        const chunks: Buffer[] = [];
        const isError = res.statusCode >= 400;
        res.body.on('data', (c: Buffer) => {
          if (isError && chunks.length < 4) chunks.push(c);
        });
        res.body.on('end', () => {
          outcome.doneAt = this.now();
          if (isError) {
            const body = errorBody(Buffer.concat(chunks).toString());
            outcome.error = body.type ?? `http_${res.statusCode}`;
            if (body.message !== undefined) outcome.message = body.message;
          }
        });
        res.body.on('error', (e: Error) => {
          outcome.doneAt = this.now();
          outcome.error = `body_${errorKind(e)}`;
        });
        return res;
      },
      (error: unknown) => {
        outcome.doneAt = this.now();
        // Failed before it was written (no connection): nothing more will come of it.
        outcome.writtenAt ??= outcome.doneAt;
        outcome.error = errorKind(error);
        throw error;
      },
    );
  }
}

function errorBody(text: string): { type?: string; message?: string } {
  try {
    // Fleetgate's stable error code is `type`; `code` is the HTTP status, as open-runtimes/proxy's.
    const { type, message } = JSON.parse(text) as { type?: unknown; message?: unknown };
    return {
      ...(typeof type === 'string' ? { type } : {}),
      ...(typeof message === 'string' ? { message } : {}),
    };
  } catch {
    return {};
  }
}

/** Counts values by key, for failure messages. */
export function tally(values: Iterable<string | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v ?? 'none'] = (out[v ?? 'none'] ?? 0) + 1;
  return out;
}

/** One row of the reliability fault table, as each fault test measured it. */
export interface FaultRow {
  /** Stable id of the row in bench/results/reliability.json (`fault:<id>`). */
  id: string;
  fault: string;
  load: string;
  sent: number;
  /** Sequence numbers of the requests that failed. */
  failed: readonly number[];
  /**
   * Whether a request reached an executor host (its recording relay saw it). Without it, "failed,
   * not sent" can only be read off an empty `failed` (it is a subset of it), and is reported as
   * unmeasured otherwise.
   */
  reachedHost?: (seq: number) => boolean;
  recoverMs: number | undefined;
  /** Further figures of this fault (e.g. how long a Redis failover took), recorded with the row. */
  extra?: Record<string, number>;
}

/** The requests that failed although no host ever saw them, or null when that was not measured. */
export function failedNotSent(row: Pick<FaultRow, 'failed' | 'reachedHost'>): number | null {
  if (row.reachedHost) return row.failed.filter((s) => !row.reachedHost!(s)).length;
  return row.failed.length === 0 ? 0 : null;
}

/** Records a measured fault row (see test/support/reliability.ts). */
export function reportRow(row: FaultRow): void {
  recordReliability({
    id: `fault:${row.id}`,
    kind: 'fault',
    title: row.fault,
    figures: {
      load: row.load,
      sent: row.sent,
      failed: row.failed.length,
      failedNotSent: failedNotSent(row),
      failedNotSentBasis: row.reachedHost ? 'recording relays' : 'none failed',
      recoverMs: row.recoverMs === undefined ? undefined : Math.round(row.recoverMs),
      ...row.extra,
    },
  });
}
