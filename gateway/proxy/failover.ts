import type { BalancePlan, Lease } from '../balancer/balancer.ts';
import { errorCode } from '../balancer/balancer.ts';
import { GatewayError } from '../errors.ts';
import { BodyLimit } from './body-limit.ts';
import { releaseBody } from './body-relay.ts';
import type { Forwarder, UpstreamRequest } from './forward.ts';

/** Where the failover loop gets its hosts: the balancer, or a fake in unit tests. */
export interface HostSource {
  pick(plan: BalancePlan, previous?: Lease): Lease | undefined;
}

/** What the failover loop reports for the access log and metrics. */
export interface FailoverReport {
  /** The host that answered (or the last one tried). */
  host: string | undefined;
  /** Hosts tried. */
  tries: number;
  /** Set when the answer broke off after its headers: the client saw a broken response. */
  broken: Error | undefined;
}

/**
 * Sends `request` to the plan's host and, when nothing of it was written to that host (connect
 * failure, or a connection that broke before the first byte), to the next one of the same order, up
 * to `maxTries` hosts. A request that reached a host is never sent again:
 * sent without an answer is a 502 (504 on timeout); an answer that broke off after its headers, or a
 * client that went away, ends the request as it is. Throws a GatewayError when nothing was written.
 * `forward` does the I/O; this loop only decides.
 */
export function forwardWithFailover(
  hosts: HostSource,
  forward: Forwarder,
  plan: BalancePlan,
  request: UpstreamRequest,
  maxTries: number,
  report: FailoverReport,
): Promise<void> {
  const body = request.body;
  if (body === null || Buffer.isBuffer(body))
    return tryHosts(hosts, forward, plan, request, maxTries, report);
  // No attempt reads a streamed body any more: end it as undici did with the body it was given.
  return tryHosts(hosts, forward, plan, request, maxTries, report).finally(() => releaseBody(body));
}

async function tryHosts(
  hosts: HostSource,
  forward: Forwarder,
  plan: BalancePlan,
  request: UpstreamRequest,
  maxTries: number,
  report: FailoverReport,
): Promise<void> {
  const first = hosts.pick(plan);
  if (first === undefined) throw new GatewayError('GW_NO_HOSTS', 'No executor host is available.');
  let lease: Lease = first;
  let lastError: Error | undefined;
  for (let tries = 1; ; tries++) {
    report.host = lease.host.id;
    report.tries = tries;
    const outcome = await forward(lease.host, request);
    lease.release(outcome);
    const body = request.body;
    if (body instanceof BodyLimit && body.exceeded) {
      if (request.res.headersSent) return void request.res.destroy();
      body.discardRest();
      throw new GatewayError(
        'GW_BODY_TOO_LARGE',
        `Request body is larger than the limit of ${body.limit} bytes.`,
      );
    }
    switch (outcome.kind) {
      case 'done':
      case 'client-aborted':
        return;
      case 'broken':
        report.broken = outcome.error;
        return;
      case 'failed':
        if (outcome.timeout) {
          throw new GatewayError(
            'GW_UPSTREAM_TIMEOUT',
            `Executor host ${lease.host.id} did not answer in time.`,
            {
              cause: outcome.error,
            },
          );
        }
        throw new GatewayError(
          'GW_UPSTREAM_FAILED',
          `Executor host ${lease.host.id} failed: ${errorCode(outcome.error)}.`,
          {
            cause: outcome.error,
          },
        );
      case 'connect': {
        lastError = outcome.error;
        const next: Lease | undefined = tries < maxTries ? hosts.pick(plan, lease) : undefined;
        if (next === undefined) {
          throw new GatewayError(
            'GW_UPSTREAM_CONNECT',
            `No executor host could be reached (${tries} tried).`,
            {
              cause: lastError,
            },
          );
        }
        lease = next;
      }
    }
  }
}
