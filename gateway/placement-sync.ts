import type { Logger } from '../lib/logger.ts';
import type { Fleet, HostEntry } from './fleet.ts';
import type { PlacementMap } from './placement.ts';
import { callUpstream, errorKind } from './upstream-call.ts';

/** Dependencies of the placement resync loop. */
export interface PlacementSyncDeps {
  fleet: Fleet;
  placement: PlacementMap;
  logger: Logger;
  /** `Authorization` value for executors. */
  authorization: string;
  interval: number;
  timeout: number;
}

/**
 * Periodically asks each healthy host for `GET /v1/runtimes` and replaces what the placement map
 * knows about that host: runtimes reaped for inactivity stop counting as warm, runtimes started by
 * another gateway start counting. Executors ≥ 0.17 report placement nowhere else.
 */
export class PlacementSync {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: PlacementSyncDeps) {}

  start(): void {
    if (this.deps.interval <= 0) return;
    this.timer = setInterval(() => void this.syncNow(), this.deps.interval);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Resynchronises every healthy host now. */
  async syncNow(): Promise<void> {
    await Promise.all(this.deps.fleet.hosts.filter((h) => h.healthy).map((h) => this.syncHost(h)));
  }

  private async syncHost(host: HostEntry): Promise<void> {
    try {
      const answer = await callUpstream(host.pool, {
        method: 'GET',
        path: '/v1/runtimes',
        headers: { authorization: this.deps.authorization },
        timeout: this.deps.timeout,
        maxBody: 16 * 1024 * 1024,
      });
      if (answer.status !== 200) {
        this.deps.logger.debug({ host: host.id, status: answer.status }, 'runtime list refused');
        return;
      }
      const ids = runtimeIdsFromList(JSON.parse(answer.body.toString('utf8')));
      if (ids === undefined || this.deps.fleet.byId.get(host.id) !== host) return;
      this.deps.placement.resync(host.id, ids);
    } catch (error) {
      this.deps.logger.debug({ host: host.id, kind: errorKind(error) }, 'runtime list failed');
    }
  }
}

/**
 * Runtime ids in a `GET /v1/runtimes` answer: an array of runtime objects whose `name` is the runtime
 * id (open-runtimes executor) or a `runtimeId` field; undefined when the shape is not a list.
 */
export function runtimeIdsFromList(body: unknown): string[] | undefined {
  if (!Array.isArray(body)) return undefined;
  const ids: string[] = [];
  for (const item of body) {
    if (item === null || typeof item !== 'object') continue;
    const o = item as Record<string, unknown>;
    const id =
      typeof o.runtimeId === 'string' ? o.runtimeId : typeof o.name === 'string' ? o.name : undefined;
    if (id !== undefined) ids.push(id);
  }
  return ids;
}
