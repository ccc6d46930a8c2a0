import type { Clock } from '../../lib/clock.ts';
import { HEALTH_BODY_LIMIT, parseHealthAnswer } from '../../lib/health-answer.ts';
import type { Logger } from '../../lib/logger.ts';
import { errorKind } from '../../lib/network-errors.ts';
import type { GatewayMetrics } from '../../metrics/gateway.ts';
import { callUpstream } from '../upstream-call.ts';
import type { Fleet, HostEntry } from './fleet.ts';
import {
  type HealthPolicy,
  type HealthTransition,
  probeDue,
  recordFailure,
  recordSuccess,
} from './health.ts';
import type { HealthcheckUrl } from './healthcheck-url.ts';
import type { PlacementMap } from './placement.ts';

/** Dependencies of the health checker. */
export interface HealthCheckerDeps {
  fleet: Fleet;
  clock: Clock;
  logger: Logger;
  metrics: GatewayMetrics;
  placement: PlacementMap;
  policy: HealthPolicy;
  /** Probe timeout in ms. */
  timeout: number;
  /** Sent with every probe (`Bearer <executor secret>`, as open-runtimes/proxy does); undefined sends none. */
  authorization?: string;
  /** `gateway.healthCheck.url`: fetched after checks in which every host was healthy. */
  heartbeat?: HealthcheckUrl;
}

/**
 * Active and passive health: probes `GET /v1/health` on each host when due (healthy hosts every
 * interval, ejected ones on their backoff), and takes the outcomes of real requests from the proxy.
 */
export class HealthChecker {
  private timer: NodeJS.Timeout | undefined;
  private readonly probing = new Set<string>();

  private readonly probeHeaders: Record<string, string> | undefined;

  constructor(private readonly deps: HealthCheckerDeps) {
    this.probeHeaders = deps.authorization ? { authorization: deps.authorization } : undefined;
  }

  /** Starts the probe loop; ticks often enough for the shortest backoff. */
  start(): void {
    const { interval, backoffMin } = this.deps.policy;
    const tick = Math.max(50, Math.min(interval, backoffMin));
    // A probe must never take the process down: anything thrown past probe() is logged and dropped.
    const run = () =>
      void this.checkNow().catch((error: unknown) =>
        this.deps.logger.error({ err: error }, 'health loop failed'),
      );
    this.timer = setInterval(run, tick);
    this.timer.unref();
    run();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Probes every host whose probe is due; resolves when those probes are done. */
  async checkNow(force = false): Promise<void> {
    const now = this.deps.clock.now();
    const due = this.deps.fleet.hosts.filter(
      (h) => !this.probing.has(h.id) && (force || probeDue(h.health, now)),
    );
    await Promise.all(due.map((h) => this.probe(h)));
    const heartbeat = this.deps.heartbeat;
    if (heartbeat && due.length > 0) {
      const hosts = this.deps.fleet.hosts;
      // As the proxy: every host answered its last probe (a host within `ejectAfter` failures is still
      // routed to, but it is not healthy for the heartbeat).
      const allHealthy =
        hosts.length > 0 && hosts.every((h) => h.healthy && h.health.consecutiveFailures === 0);
      const at = this.deps.clock.now();
      if (heartbeat.due(at, allHealthy)) void heartbeat.ping(at);
    }
  }

  /** A real request to `host` failed to connect or timed out. */
  passiveFailure(host: HostEntry, reason: string): void {
    this.transition(
      host,
      recordFailure(host.health, this.deps.clock.now(), this.deps.policy, reason),
      reason,
    );
  }

  /** A real request to `host` got a response. */
  passiveSuccess(host: HostEntry): void {
    const h = host.health;
    if (h.consecutiveFailures === 0 && h.healthy) return;
    this.transition(host, recordSuccess(h, this.deps.clock.now(), this.deps.policy, false), 'request');
  }

  private async probe(host: HostEntry): Promise<void> {
    this.probing.add(host.id);
    try {
      const answer = await callUpstream(host.pool, {
        method: 'GET',
        path: '/v1/health',
        headers: this.probeHeaders,
        timeout: this.deps.timeout,
        maxBody: HEALTH_BODY_LIMIT,
      });
      const report = parseHealthAnswer(answer.status, answer.body.toString('utf8'));
      if (this.deps.fleet.byId.get(host.id) !== host) return; // left the fleet meanwhile
      const now = this.deps.clock.now();
      if (!report.ok) {
        const reason = `health answered ${answer.status}`;
        this.transition(host, recordFailure(host.health, now, this.deps.policy, reason), reason);
        return;
      }
      if (report.usage !== undefined) host.usage = report.usage;
      if (report.runtimes) this.deps.placement.resync(host.id, report.runtimes);
      this.transition(host, recordSuccess(host.health, now, this.deps.policy, true), 'probe');
    } catch (error) {
      if (this.deps.fleet.byId.get(host.id) !== host) return;
      const reason = `health probe failed: ${errorKind(error)}`;
      this.transition(
        host,
        recordFailure(host.health, this.deps.clock.now(), this.deps.policy, reason),
        reason,
      );
    } finally {
      this.probing.delete(host.id);
    }
  }

  private transition(host: HostEntry, change: HealthTransition, reason: string): void {
    if (change !== undefined) this.deps.fleet.load.refresh(host);
    if (change === 'ejected') {
      this.deps.metrics.ejections.inc({ host: host.id });
      this.deps.logger.info({ host: host.id, reason }, 'host ejected');
    } else if (change === 'readmitted') {
      this.deps.metrics.readmissions.inc({ host: host.id });
      this.deps.logger.info({ host: host.id, reason }, 'host readmitted');
    }
  }
}
