import type { HostEntry } from './fleet.ts';
import { callUpstream, errorKind } from './upstream-call.ts';

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
}

/**
 * Sends `request` to every host in parallel, each with its own timeout, so one dead host never stops
 * the others (open-runtimes/proxy sent them one by one and stopped at the first error). A 2xx is a
 * success; so is a 404 for DELETE (the host simply did not have the runtime).
 */
export async function broadcast(
  hosts: readonly HostEntry[],
  request: BroadcastRequest,
): Promise<BroadcastFailure[]> {
  const results = await Promise.all(
    hosts.map(async (host): Promise<BroadcastFailure | undefined> => {
      host.inflight += 1;
      try {
        const answer = await callUpstream(host.pool, {
          method: request.method,
          path: request.path,
          headers: request.headers,
          body: request.body,
          timeout: request.timeout,
          maxBody: 64 * 1024,
        });
        if (isBroadcastSuccess(request.method, answer.status)) return undefined;
        return { host: host.id, status: answer.status };
      } catch (error) {
        return { host: host.id, error: errorKind(error) };
      } finally {
        host.inflight -= 1;
      }
    }),
  );
  return results.filter((r): r is BroadcastFailure => r !== undefined);
}

/** 2xx, or 404 on DELETE (the runtime was not on that host), counts as success. */
export function isBroadcastSuccess(method: string, status: number): boolean {
  return (status >= 200 && status < 300) || (method === 'DELETE' && status === 404);
}
