import type { Clock } from '../../lib/clock.ts';
import { executorUrl } from '../../lib/executor-url.ts';
import type { Logger } from '../../lib/logger.ts';
import type { FleetSnapshot, HostRegistry, Watch } from '../../registry/types.ts';
import type { Fleet, HostSpec } from './fleet.ts';

/** Dependencies of the fleet view. */
export interface FleetViewDeps {
  fleet: Fleet;
  /** Absent: static hosts only. */
  registry: HostRegistry | undefined;
  pool: string;
  /** Static hosts (`OPR_PROXY_EXECUTORS`), always active. */
  staticHosts: readonly string[];
  clock: Clock;
  logger: Logger;
  reloadInterval: number;
}

/**
 * Keeps the fleet in step with the registry: a full load at start, every watched snapshot, and a
 * periodic full reload (pub/sub can drop messages). When the registry is unreachable the last view
 * stays in force; `stale()` says so and since when.
 */
export class FleetView {
  private watch: Watch | undefined;
  private timer: NodeJS.Timeout | undefined;
  private registryHosts: HostSpec[] = [];
  private readonly staticSpecs: HostSpec[];
  /** Version of the last registry snapshot applied (0 before the first). */
  version = 0;
  /** When the registry was last read successfully (ms), undefined before the first read. */
  lastOkAt: number | undefined;
  private lastError: string | undefined;
  /** When this gateway first saw the registry unreachable in the current outage. */
  private staleSince: number | undefined;

  constructor(private readonly deps: FleetViewDeps) {
    this.staticSpecs = deps.staticHosts
      .map((h) => h.trim())
      .filter((h) => h !== '')
      .map(
        (h) => ({ id: staticId(h), url: h, state: 'active', weight: 1, source: 'static' }) satisfies HostSpec,
      );
    this.applyAll();
  }

  /** Loads the registry once, then watches it and reloads it periodically. Never throws. */
  async start(): Promise<void> {
    const registry = this.deps.registry;
    if (!registry) return;
    await this.reload();
    this.watch = registry.watch(this.deps.pool, (snapshot) => this.onSnapshot(snapshot));
    if (this.deps.reloadInterval > 0) {
      this.timer = setInterval(() => void this.reload(), this.deps.reloadInterval);
      this.timer.unref();
    }
  }

  stop(): void {
    this.watch?.stop();
    this.watch = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the whole pool from the registry; on failure keeps the last view. */
  async reload(): Promise<void> {
    const registry = this.deps.registry;
    if (!registry) return;
    try {
      const snapshot = await registry.list(this.deps.pool);
      this.onSnapshot(snapshot, true);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (this.lastError !== message) {
        this.deps.logger.warn({ err: message }, 'registry unreachable; routing on the last fleet view');
      }
      this.lastError = message;
      this.staleSince ??= this.deps.clock.now();
    }
  }

  /** Whether the gateway routes on a view it could not refresh. */
  stale(): boolean {
    const registry = this.deps.registry;
    if (!registry) return false;
    return this.lastOkAt === undefined || this.lastError !== undefined || !registry.healthy();
  }

  /**
   * Milliseconds the registry has been unreachable in the current outage (0 when it is reachable).
   * The outage starts at the first failed reload, or the first time this is asked while the
   * registry client is down: readiness probes ask every few seconds, so that is close enough.
   */
  unreachableMs(): number {
    if (!this.stale()) {
      this.staleSince = undefined;
      return 0;
    }
    const now = this.deps.clock.now();
    this.staleSince ??= now;
    return now - this.staleSince;
  }

  /** Seconds since the registry was last read (0 when fresh or when there is no registry). */
  staleSeconds(): number {
    if (!this.stale()) return 0;
    if (this.lastOkAt === undefined) return 0;
    return Math.max(0, (this.deps.clock.now() - this.lastOkAt) / 1000);
  }

  private onSnapshot(snapshot: FleetSnapshot, fromReload = false): void {
    this.lastOkAt = this.deps.clock.now();
    if (this.lastError !== undefined) this.deps.logger.info('registry reachable again');
    this.lastError = undefined;
    this.staleSince = undefined;
    // A full reload is the truth at the time it was read; it is applied even when its version is lower
    // (a Redis restarted without persistence starts counting again).
    if (snapshot.version === this.version && !fromReload && this.registryHosts.length > 0) return;
    this.version = snapshot.version;
    this.registryHosts = snapshot.hosts.map((h) => ({
      id: h.id,
      url: h.url,
      state: h.state,
      weight: h.weight,
      source: 'registry',
    }));
    this.applyAll();
  }

  private applyAll(): void {
    const registryIds = new Set(this.registryHosts.map((h) => h.id));
    const specs = [...this.registryHosts, ...this.staticSpecs.filter((s) => !registryIds.has(s.id))];
    this.deps.fleet.apply(specs);
  }
}

/** A static host's id: its `host:port` (what `OPR_PROXY_EXECUTORS` lists), whatever form it was given in. */
export function staticId(address: string): string {
  const url = executorUrl(address);
  return url === undefined ? address : new URL(url).host;
}
