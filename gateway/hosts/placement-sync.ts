import type { Logger } from '../../lib/logger.ts';
import { errorKind } from '../../lib/network-errors.ts';
import { callUpstream } from '../upstream-call.ts';
import type { Fleet, HostEntry } from './fleet.ts';
import type { PlacementMap } from './placement.ts';

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
  /** Per host: the executor hostname that prefixes its runtime names (`<hostname>-<runtimeId>`). */
  private readonly prefixes = new Map<string, string>();

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
      const known = new Set(this.deps.placement.byHost().get(host.id) ?? []);
      const parsed = runtimeIdsFromList(JSON.parse(answer.body.toString('utf8')), {
        known,
        prefix: this.prefixes.get(host.id),
      });
      if (parsed === undefined || this.deps.fleet.byId.get(host.id) !== host) return;
      if (parsed.prefix !== undefined) this.prefixes.set(host.id, parsed.prefix);
      const ids = parsed.ids;
      this.deps.placement.resync(host.id, ids);
    } catch (error) {
      this.deps.logger.debug({ host: host.id, kind: errorKind(error) }, 'runtime list failed');
    }
  }
}

/** What the gateway already knows of a host when it reads that host's runtime list. */
export interface RuntimeListContext {
  /** Runtime ids the gateway has seen warm on the host (from requests it routed). */
  known?: ReadonlySet<string>;
  /** The host's runtime-name prefix, once learnt. */
  prefix?: string | undefined;
}

/**
 * Runtime ids in a `GET /v1/runtimes` answer, or undefined when the body is not a list.
 *
 * The open-runtimes executor names a runtime `<executor hostname>-<runtimeId>` and reports no
 * runtime id field, and both parts may contain dashes, so the name alone is ambiguous. A `runtimeId`
 * field (Fleetgate's executor) wins; otherwise a name that ends in `-<id>` for a runtime id the gateway
 * already knows on that host reveals the host's prefix, which then strips every other name. Until the
 * prefix is known, names are kept whole: a known runtime is still recognised by its suffix, so a
 * resync never drops a runtime that is really there.
 */
export function runtimeIdsFromList(
  body: unknown,
  context: RuntimeListContext = {},
): { ids: string[]; prefix: string | undefined } | undefined {
  if (!Array.isArray(body)) return undefined;
  const known = context.known ?? new Set<string>();
  let prefix = context.prefix;
  const names: string[] = [];
  const ids: string[] = [];
  for (const item of body) {
    if (item === null || typeof item !== 'object') continue;
    const o = item as Record<string, unknown>;
    if (typeof o.runtimeId === 'string') ids.push(o.runtimeId);
    else if (typeof o.name === 'string') names.push(o.name);
  }
  if (prefix === undefined) {
    for (const name of names) {
      if (known.has(name)) continue;
      const id = [...known].find((k) => name.length > k.length + 1 && name.endsWith(`-${k}`));
      if (id !== undefined) {
        prefix = name.slice(0, name.length - id.length - 1);
        break;
      }
    }
  }
  for (const name of names) {
    if (known.has(name)) ids.push(name);
    else if (prefix !== undefined && name.startsWith(`${prefix}-`)) ids.push(name.slice(prefix.length + 1));
    else ids.push([...known].find((k) => name.endsWith(`-${k}`)) ?? name);
  }
  return { ids, prefix };
}
