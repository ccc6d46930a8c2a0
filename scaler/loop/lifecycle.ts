import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import type { ScalerMetrics } from '../../metrics/scaler.ts';
import type { Host, HostRegistry } from '../../registry/types.ts';
import type { HostProvider, ProvisionedHost } from '../providers/types.ts';
import { RetryGate, type RetryPolicy } from './backoff.ts';
import { probeHealth } from './health.ts';
import type { ActionOutcome } from './record.ts';

/** Timings of the host lifecycle. */
export interface LifecycleOptions {
  /** Bound on one `/v1/health` probe. */
  healthTimeoutMs: number;
  /** How often a freshly started host is probed until it answers. */
  healthPollMs: number;
  /** A zero in-flight reading only ends a drain once the drain is this old (gateways saw the state). */
  drainSettleMs: number;
  /** Drain timeout: past it the host is removed even with requests in flight. */
  drainTimeoutMs: number;
  /**
   * Bound on waiting for the gateways' warm handoff before a drain (`drain.handoffWait`): the drain is
   * announced in the registry and waits for the keep-warm keeper's acknowledgement. 0 or absent: none.
   */
  drainHandoffWaitMs?: number;
  /** Boot timeout: the background probe gives up after it (the core then plans a replacement). */
  bootTimeoutMs: number;
  /** Bound on one provider call; past it the call is abandoned and recorded as a timeout. */
  providerTimeoutMs: number;
  retry: RetryPolicy;
}

/** What the lifecycle needs. */
export interface LifecycleDeps {
  pool: string;
  registry: HostRegistry;
  provider: HostProvider;
  clock: Clock;
  logger: Logger;
  metrics: ScalerMetrics;
  options: LifecycleOptions;
}

/** A host deregistered whose provider `destroy` still has to succeed. */
interface PendingDestroy {
  host: ProvisionedHost;
  gate: RetryGate;
}

const toProvisioned = (h: Host): ProvisionedHost => ({ id: h.id, url: h.url, labels: { ...h.labels } });

/**
 * The I/O side of `booting → active → draining → removed` for one pool. Invariants: a host is
 * registered only after the provider created it, and deregistered before the provider destroys it,
 * so a registered host always exists; failed destroys are retried with backoff.
 */
export class HostLifecycle {
  private readonly createGate: RetryGate;
  private readonly drainStarted = new Map<string, number>();
  /** Consecutive ticks on which a draining host read zero in flight. */
  private readonly zeroReadings = new Map<string, number>();
  private readonly pendingDestroys = new Map<string, PendingDestroy>();
  private readonly watchers = new Set<string>();
  private readonly creating = new Set<string>();
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly deps: LifecycleDeps) {
    this.createGate = new RetryGate(deps.options.retry);
    this.log = deps.logger.child({ component: 'lifecycle', pool: deps.pool });
  }

  /** When the next create may be tried (after failures), in clock milliseconds. */
  get createRetryAt(): number {
    return this.createGate.nextAt;
  }

  /** Ids whose destroy is still pending (deregistered, not yet destroyed). */
  get pendingDestroyIds(): string[] {
    return [...this.pendingDestroys.keys()];
  }

  /** Stops background probes. */
  close(): void {
    this.closed = true;
  }

  /** Starts `count` hosts in parallel; each is registered `booting`, then probed until healthy. */
  async start(count: number, registered: readonly Host[]): Promise<ActionOutcome[]> {
    const now = this.deps.clock.now();
    if (!this.createGate.open(now)) {
      return [
        {
          action: 'start',
          ok: false,
          skipped: true,
          detail: `provider backoff after ${this.createGate.consecutiveFailures} failure(s); next try in ${Math.ceil((this.createGate.nextAt - now) / 1000)}s`,
        },
      ];
    }
    const inUse = new Set([...registered.map((h) => h.id), ...this.creating, ...this.pendingDestroys.keys()]);
    const outcomes: ActionOutcome[] = [];
    // Sequential creates would let one slow command hold up the others; parallel ones share inUse.
    const results = await Promise.all(Array.from({ length: count }, () => this.createOne(inUse)));
    for (const r of results) outcomes.push(r);
    return outcomes;
  }

  private async createOne(inUse: Set<string>): Promise<ActionOutcome> {
    const { provider, registry, pool, metrics } = this.deps;
    let host: ProvisionedHost;
    try {
      host = await this.bounded(
        (signal) => provider.create({ inUse, signal }),
        'create',
        (late) => {
          // Created after we gave up: it was never registered; destroy it so nothing leaks.
          void provider.destroy(late).catch(() => this.queueDestroy(late));
        },
      );
    } catch (error) {
      this.createGate.failure(this.deps.clock.now());
      this.log.warn({ err: error }, 'provider create failed');
      return { action: 'start', ok: false, detail: message(error) };
    }
    inUse.add(host.id);
    this.creating.add(host.id);
    try {
      await registry.register(pool, {
        id: host.id,
        url: host.url,
        state: 'booting',
        labels: host.labels,
        provider: provider.kind,
      });
    } catch (error) {
      // Never leave a host that exists but is not registered… nor the reverse: destroy it.
      this.creating.delete(host.id);
      metrics.registryErrors.inc({ pool });
      this.log.warn({ err: error, host: host.id }, 'could not register a created host; destroying it');
      await this.destroy(host);
      return { action: 'start', hostId: host.id, ok: false, detail: `register failed: ${message(error)}` };
    }
    this.creating.delete(host.id);
    this.createGate.success();
    this.log.info({ host: host.id, url: host.url }, 'host started (booting)');
    this.watchBoot(host);
    return { action: 'start', hostId: host.id, ok: true, detail: host.url };
  }

  /** Probes a booting host in the background until it answers, then activates it. */
  private watchBoot(host: ProvisionedHost): void {
    if (this.watchers.has(host.id)) return;
    this.watchers.add(host.id);
    const deadline = this.deps.clock.now() + this.deps.options.bootTimeoutMs;
    const poll = async () => {
      if (this.closed || this.deps.clock.now() > deadline) {
        this.watchers.delete(host.id);
        return;
      }
      const done = await this.activateIfHealthy(host.id, host.url).catch(() => false);
      if (done) this.watchers.delete(host.id);
      else setTimeout(() => void poll(), this.deps.options.healthPollMs).unref?.();
    };
    void poll();
  }

  /** Activates a booting host if `/v1/health` answers; true when it is no longer booting. */
  private async activateIfHealthy(id: string, url: string): Promise<boolean> {
    if (!(await probeHealth(url, this.deps.options.healthTimeoutMs))) return false;
    const updated = await this.deps.registry.setState(this.deps.pool, id, 'active');
    if (updated) this.log.info({ host: id }, 'host healthy: active');
    return true;
  }

  /**
   * One pass over the fleet before evaluating: activate booting hosts that answer, deregister
   * hosts the provider says are gone, finish drains, retry pending destroys.
   */
  async maintain(
    hosts: readonly Host[],
    inflight: Map<string, number> | undefined,
    inflightAt: number,
  ): Promise<ActionOutcome[]> {
    const outcomes: ActionOutcome[] = [];
    const { provider, registry, pool } = this.deps;
    await Promise.all(
      hosts.map(async (h) => {
        if (
          h.provider === provider.kind &&
          provider.exists &&
          (await provider.exists(toProvisioned(h))) === false
        ) {
          await registry.deregister(pool, h.id);
          this.drainStarted.delete(h.id);
          this.log.warn({ host: h.id }, 'host no longer exists: deregistered');
          outcomes.push({ action: 'deregister-vanished', hostId: h.id, ok: true });
          return;
        }
        if (h.state === 'booting') {
          if (await this.activateIfHealthy(h.id, h.url))
            outcomes.push({ action: 'activate', hostId: h.id, ok: true });
        } else if (h.state === 'draining') {
          const outcome = await this.finishDrain(h, inflight, inflightAt);
          if (outcome) outcomes.push(outcome);
        }
      }),
    );
    outcomes.push(...(await this.retryDestroys()));
    return outcomes;
  }

  /** Marks a host draining; gateways stop sending it new work. */
  async drain(id: string): Promise<ActionOutcome> {
    const handoff = await this.announceDrain(id);
    const updated = await this.deps.registry.setState(this.deps.pool, id, 'draining');
    if (!updated) return { action: 'drain', hostId: id, ok: false, detail: 'not registered' };
    this.drainStarted.set(id, this.deps.clock.now());
    this.log.info({ host: id, handoff }, 'host draining');
    return handoff === undefined || handoff === 'no-keeper'
      ? { action: 'drain', hostId: id, ok: true }
      : { action: 'drain', hostId: id, ok: true, detail: `warm handoff ${handoff}` };
  }

  /**
   * Handoff before a drain: tells the pool's keep-warm keeper (a gateway) that `id` is about to drain
   * and waits, bounded, until it has created the host's hot runtimes on their next owners. A pool
   * without a keeper, or a registry without the feature, drains at once.
   */
  private async announceDrain(id: string): Promise<string | undefined> {
    const wait = this.deps.options.drainHandoffWaitMs ?? 0;
    const intents = wait > 0 ? this.deps.registry.drainIntents?.(this.deps.pool) : undefined;
    if (intents === undefined) return undefined;
    return intents.announce(id, wait);
  }

  /** Replaces a host past its boot timeout: deregister and destroy it, then start another. */
  async replace(host: Host, registered: readonly Host[]): Promise<ActionOutcome[]> {
    await this.deps.registry.deregister(this.deps.pool, host.id);
    this.log.warn({ host: host.id }, 'host past its boot timeout: replaced');
    const outcomes: ActionOutcome[] = [{ action: 'replace', hostId: host.id, ok: true }];
    if (host.provider === this.deps.provider.kind) await this.destroy(toProvisioned(host));
    outcomes.push(
      ...(await this.start(
        1,
        registered.filter((h) => h.id !== host.id),
      )),
    );
    return outcomes;
  }

  private async finishDrain(
    h: Host,
    inflight: Map<string, number> | undefined,
    inflightAt: number,
  ): Promise<ActionOutcome | undefined> {
    const now = this.deps.clock.now();
    // After a restart or takeover the drain began when the host's state last changed.
    const started = this.drainStarted.get(h.id) ?? h.updatedAt;
    const count = inflight?.get(h.id) ?? (inflight ? 0 : undefined);
    const settled = inflightAt - started >= this.deps.options.drainSettleMs;
    const timedOut = now - started >= this.deps.options.drainTimeoutMs;
    // Zero on two consecutive ticks (the first past the settle time): one zero may come from a
    // Prometheus scrape taken before the gateways saw the drain; two ticks apart cannot both.
    const zeros = settled && count === 0 ? (this.zeroReadings.get(h.id) ?? 0) + 1 : 0;
    this.zeroReadings.set(h.id, zeros);
    const drained = zeros >= 2;
    if (!(timedOut || drained)) return undefined;
    await this.deps.registry.deregister(this.deps.pool, h.id);
    this.drainStarted.delete(h.id);
    this.zeroReadings.delete(h.id);
    const why = drained ? 'drained (0 in flight)' : `drain timeout (${count ?? 'unknown'} in flight)`;
    this.log.info({ host: h.id, why }, 'host removed');
    if (h.provider === this.deps.provider.kind) await this.destroy(toProvisioned(h));
    return { action: 'remove', hostId: h.id, ok: true, detail: why };
  }

  /** Destroys a (deregistered) host; on failure queues it for retries with backoff. */
  private async destroy(host: ProvisionedHost): Promise<boolean> {
    try {
      await this.bounded((signal) => this.deps.provider.destroy(host, signal), 'destroy');
      this.pendingDestroys.delete(host.id);
      return true;
    } catch (error) {
      this.log.warn({ err: error, host: host.id }, 'provider destroy failed; will retry');
      this.queueDestroy(host);
      return false;
    }
  }

  private queueDestroy(host: ProvisionedHost): void {
    const entry = this.pendingDestroys.get(host.id) ?? { host, gate: new RetryGate(this.deps.options.retry) };
    entry.gate.failure(this.deps.clock.now());
    this.pendingDestroys.set(host.id, entry);
  }

  private async retryDestroys(): Promise<ActionOutcome[]> {
    const now = this.deps.clock.now();
    const due = [...this.pendingDestroys.values()].filter((p) => p.gate.open(now));
    return Promise.all(
      due.map(async (p): Promise<ActionOutcome> => {
        const ok = await this.destroy(p.host);
        return { action: 'destroy', hostId: p.host.id, ok, detail: ok ? 'retried' : 'failed again' };
      }),
    );
  }

  /** Runs a provider call with the provider timeout; a call that resolves too late goes to `late`. */
  private async bounded<T>(
    call: (signal: AbortSignal) => Promise<T>,
    operation: 'create' | 'destroy',
    late?: (value: T) => void,
  ): Promise<T> {
    const { metrics, pool, options } = this.deps;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const pending = call(abort.signal);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        abort.abort();
        reject(new Error(`provider ${operation} timed out after ${options.providerTimeoutMs} ms`));
      }, options.providerTimeoutMs);
    });
    try {
      const value = await Promise.race([pending, timeout]);
      metrics.providerOperations.inc({ pool, operation, outcome: 'ok' });
      return value;
    } catch (error) {
      metrics.providerOperations.inc({ pool, operation, outcome: timedOut ? 'timeout' : 'error' });
      if (timedOut && late) pending.then(late, () => undefined);
      else pending.catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
