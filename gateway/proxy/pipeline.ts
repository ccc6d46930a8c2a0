import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Logger } from '../../lib/logger.ts';
import type { Activator } from '../activator/activator.ts';
import type { Balancer } from '../balancer/balancer.ts';
import type { ErrorAnswerer } from '../error-response.ts';
import { writeErrorAnswer } from '../error-response.ts';
import type { HostEntry } from '../hosts/fleet.ts';
import type { RequestMetrics } from '../observe.ts';
import type { AddressingMethod } from '../route.ts';
import { BodyBudget } from './body-budget.ts';
import { readBoundedBody } from './body-key.ts';
import { BodyLimit } from './body-limit.ts';
import { answerBroadcast, type BroadcastDeps } from './broadcast.ts';
import { type FailoverReport, forwardWithFailover } from './failover.ts';
import type { Forwarder } from './forward.ts';
import { keyFromBody, type RequestPlan, type ResolveRules, resolveRequest } from './resolve.ts';

/** What the pipeline is built from. */
export interface PipelineDeps {
  rules: ResolveRules;
  balancer: Balancer;
  forward: Forwarder;
  /** Broadcasts: every active host, each with its own timeout. */
  broadcast: Omit<BroadcastDeps, 'shuttingDown' | 'hold'>;
  limits: {
    /** Total deadline of an execution (or any forwarded request but a log stream), ms; the idle bound of a log stream. */
    maxTimeout: number;
    /** Further hosts tried when one cannot be connected to. */
    retries: number;
  };
  /** Whether the gateway is shutting down (answers then close their connection). */
  shuttingDown: () => boolean;
  hot: RequestMetrics;
  /** The one mapping from errors to answers (and the one log line for them). */
  answer: ErrorAnswerer;
  logger: Logger;
  /** Holds requests while their runtime is created or the pool has no active host. */
  activator?: Pick<Activator, 'needed' | 'prepare'>;
  /** Keep-warm: told when an execution starts (the returned function: when it ends). */
  lifetime?: { started(runtimeId: string): (host?: string) => void };
}

/** The forwarding pipeline: one handler for every request the gateway does not answer itself. */
export interface Pipeline {
  /** Forwards one request and answers it, whatever happens; never rejects. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Requests being handled right now. */
  inflight(): number;
}

/**
 * resolve → (read the body when the key is in it, or for a broadcast) → balance and forward with
 * failover → record. Every error before the response started becomes its JSON answer here.
 */
export function createPipeline(deps: PipelineDeps): Pipeline {
  const budget = new BodyBudget(deps.rules.bodyLimit);
  const accessLog = deps.logger.isLevelEnabled('debug');
  const hold = (host: HostEntry) => deps.balancer.hold(host);
  let inflight = 0;

  /**
   * Not `async`: a request that is forwarded as it streams in returns the failover loop's own promise
   * (an async function returning a promise would add one more, and two more microtask turns).
   */
  function run(req: IncomingMessage, res: ServerResponse, report: Report): Promise<void> {
    const resolved = resolveRequest(
      {
        method: req.method,
        url: req.url,
        rawHeaders: req.rawHeaders,
        remoteAddress: req.socket.remoteAddress,
      },
      deps.rules,
    );
    if (!resolved.ok) {
      report.route = resolved.route;
      report.addressing = resolved.addressing;
      throw resolved.error;
    }
    const plan = resolved.plan;
    report.route = plan.route;
    report.addressing = plan.addressing;
    if (deps.lifetime !== undefined && plan.key !== undefined && plan.method === 'POST') {
      if (plan.route === '/v1/runtimes/:runtimeId/executions') report.ended = deps.lifetime.started(plan.key);
    }
    const activating = deps.activator?.needed(plan) === true;
    if (!plan.buffer && !activating) {
      const h = plan.headers;
      const body = plan.hasBody ? (h.chunked ? new BodyLimit(deps.rules.bodyLimit, req) : req) : null;
      return send(plan, plan.key, body, res, report);
    }
    return runBuffered(plan, req, res, report, activating);
  }

  /** A request whose body is read first: a broadcast, a create keyed by its body, or a cold execution the activator prepares. */
  async function runBuffered(
    plan: RequestPlan,
    req: IncomingMessage,
    res: ServerResponse,
    report: Report,
    activating: boolean,
  ): Promise<void> {
    const giveBack = budget.reserve(plan.headers.contentLength, plan.hasBody);
    try {
      const body = plan.hasBody ? await readBoundedBody(req, deps.rules.bodyLimit) : null;
      const key = keyFromBody(plan, body);
      if (plan.addressing === 'broadcast') {
        return await answerBroadcast(
          { ...deps.broadcast, shuttingDown: deps.shuttingDown, hold },
          { method: plan.method, url: plan.url, headers: plan.headers.forward, body, key },
          res,
        );
      }
      if (activating) await deps.activator!.prepare(plan, body, res);
      return await send(plan, key, body, res, report);
    } finally {
      giveBack();
    }
  }

  function send(
    plan: RequestPlan,
    key: string | undefined,
    body: Readable | Buffer | null,
    res: ServerResponse,
    report: Report,
  ): Promise<void> {
    if (deps.shuttingDown()) res.shouldKeepAlive = false;
    const stream = plan.route === '/v1/runtimes/:runtimeId/logs';
    return forwardWithFailover(
      deps.balancer,
      deps.forward,
      {
        method: plan.method,
        route: plan.route,
        key,
        addressing: plan.addressing === 'anycast-fast' ? 'anycast-fast' : 'anycast-efficient',
      },
      {
        method: plan.method,
        path: plan.url,
        headers: plan.headers.forward,
        body,
        res,
        peek404: key !== undefined,
        // A log stream stays open as long as it brings news; anything else has maxTimeout in all.
        deadline: stream ? undefined : deps.limits.maxTimeout,
        idleTimeout: deps.limits.maxTimeout,
      },
      1 + Math.max(0, deps.limits.retries),
      report,
    );
  }

  return {
    async handle(req, res) {
      const started = performance.now();
      const report: Report = {
        route: 'other',
        addressing: 'unknown',
        host: undefined,
        tries: 0,
        broken: undefined,
      };
      inflight += 1;
      let status = 0;
      try {
        await run(req, res, report);
        status = res.statusCode;
      } catch (error) {
        const answer = deps.answer(error);
        status = answer.status;
        writeErrorAnswer(res, answer, deps.shuttingDown());
      } finally {
        report.ended?.(report.tries === 1 ? report.host : undefined);
        inflight -= 1;
        const seconds = (performance.now() - started) / 1000;
        const method = req.method ?? 'GET';
        deps.hot.record(report.route, method, status, report.addressing, seconds);
        if (report.broken !== undefined)
          deps.logger.debug({ host: report.host, err: report.broken.message }, 'upstream response broke off');
        if (accessLog) {
          // The access log: one debug line per forwarded request (never headers: they hold secrets).
          deps.logger.debug(
            {
              method,
              route: report.route,
              status,
              addressing: report.addressing,
              host: report.host,
              tries: report.tries,
              ms: Math.round(seconds * 1000),
            },
            'request',
          );
        }
      }
    },
    inflight: () => inflight,
  };
}

interface Report extends FailoverReport {
  /** Keep-warm: the execution ended (answered by this host on the first try). */
  ended?: (host?: string) => void;
  route: string;
  addressing: AddressingMethod | 'unknown';
}
