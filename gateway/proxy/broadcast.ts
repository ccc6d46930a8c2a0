import type { ServerResponse } from 'node:http';
import type { Logger } from '../../lib/logger.ts';
import { errorKind } from '../../lib/network-errors.ts';
import type { GatewayMetrics } from '../../metrics/gateway.ts';
import { GatewayError } from '../errors.ts';
import { withHostname } from '../headers.ts';
import type { Fleet, HostEntry } from '../hosts/fleet.ts';
import type { PlacementMap } from '../hosts/placement.ts';
import { callUpstream } from '../upstream-call.ts';

/** One host that did not accept a broadcast. */
export interface BroadcastFailure {
  host: string;
  /** The host's status, when it answered. */
  status?: number;
  /** What went wrong when it did not answer (connect, timeout, reset, …). */
  error?: string;
}

/** A request sent to every active host. */
export interface BroadcastRequest {
  method: string;
  path: string;
  headers: string[];
  body: Buffer | null;
  /** Per-host timeout in ms. */
  timeout: number;
  /** Add `x-opr-executor-hostname: <host id>` (open-runtimes/proxy in development mode). */
  hostnameHeader?: boolean;
}

/**
 * Sends `request` to every host in parallel, each with its own timeout, so one dead host never stops
 * the others (open-runtimes/proxy sent them one by one and stopped at the first error). A 2xx is a
 * success; so is a 404 for DELETE (the host simply did not have the runtime).
 */
export async function broadcast(
  hosts: readonly HostEntry[],
  request: BroadcastRequest,
  hold: (host: HostEntry) => () => void,
): Promise<BroadcastFailure[]> {
  const results = await Promise.all(
    hosts.map(async (host): Promise<BroadcastFailure | undefined> => {
      const release = hold(host);
      try {
        const answer = await callUpstream(host.pool, {
          method: request.method,
          path: request.path,
          headers: request.hostnameHeader ? withHostname(request.headers, host.id) : request.headers,
          body: request.body,
          timeout: request.timeout,
          maxBody: 64 * 1024,
        });
        if (isBroadcastSuccess(request.method, answer.status)) return undefined;
        return { host: host.id, status: answer.status };
      } catch (error) {
        return { host: host.id, error: errorKind(error) };
      } finally {
        release();
      }
    }),
  );
  return results.filter((r): r is BroadcastFailure => r !== undefined);
}

/** 2xx, or 404 on DELETE (the runtime was not on that host), counts as success. */
export function isBroadcastSuccess(method: string, status: number): boolean {
  return (status >= 200 && status < 300) || (method === 'DELETE' && status === 404);
}

/** What `answerBroadcast` needs from the gateway. */
export interface BroadcastDeps {
  fleet: Fleet;
  placement: PlacementMap;
  metrics: GatewayMetrics;
  /** Per-host timeout in ms. */
  timeout: number;
  /** Whether the gateway is shutting down: the answer then closes its connection. */
  shuttingDown: () => boolean;
  /** Add `x-opr-executor-hostname` to each host's copy (`gateway.env: development`). */
  hostnameHeader: boolean;
  logger: Logger;
  /** Counts a host busy while the broadcast is on it (the balancer's `hold`). */
  hold: (host: HostEntry) => () => void;
}

/** The response header naming the hosts a partly failed broadcast did not reach (comma list). */
export const BROADCAST_FAILED_HEADER = 'x-fleetgate-broadcast-failed';

/**
 * The `broadcast` addressing method: sends the (buffered) request to every active host. When every
 * host accepted it the answer is open-runtimes/proxy's, 204 with no body. When some failed (dead,
 * timed out, or answered with an error) and at least one accepted, the answer is still 204, so a
 * caller such as Appwrite deleting a runtime everywhere is not broken by one dead host; the failed
 * hosts are named in `x-fleetgate-broadcast-failed`, logged and counted (`outcome="partial"`). Only
 * when no host accepted it is the answer a 502 listing the failures. A broadcast DELETE of a runtime
 * forgets its placement on every host that accepted it.
 */
export async function answerBroadcast(
  deps: BroadcastDeps,
  request: { method: string; url: string; headers: string[]; body: Buffer | null; key: string | undefined },
  res: ServerResponse,
): Promise<void> {
  const hosts = deps.fleet.hosts.filter((h) => h.state === 'active');
  if (hosts.length === 0) throw new GatewayError('GW_NO_HOSTS', 'No executor host is available.');
  const failures = await broadcast(
    hosts,
    {
      method: request.method,
      path: request.url,
      headers: request.headers,
      body: request.body,
      timeout: deps.timeout,
      hostnameHeader: deps.hostnameHeader,
    },
    deps.hold,
  );
  const key = request.key;
  if (key !== undefined && request.method === 'DELETE') {
    for (const h of hosts) if (!failures.some((f) => f.host === h.id)) deps.placement.clear(key, h.id);
  }
  const outcome = failures.length === 0 ? 'ok' : failures.length < hosts.length ? 'partial' : 'failed';
  deps.metrics.broadcasts.inc({ outcome });
  if (outcome === 'failed') {
    throw new GatewayError('GW_BROADCAST_FAILED', `Broadcast failed on all ${hosts.length} hosts.`, {
      details: { failures },
    });
  }
  if (outcome === 'partial') {
    deps.logger.warn(
      { method: request.method, path: request.url, failures, hosts: hosts.length },
      'broadcast did not reach every host',
    );
    res.setHeader(BROADCAST_FAILED_HEADER, failures.map((f) => f.host).join(','));
  }
  if (deps.shuttingDown()) res.shouldKeepAlive = false;
  res.writeHead(204);
  res.end();
}
