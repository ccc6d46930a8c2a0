import type { ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayMetrics, type GatewayMetrics } from '../../metrics/gateway.ts';
import { lazyHosts, testBalancer, testFleet } from '../../test/support/gateway-fleet.ts';
import type { BalancePlan, Balancer } from '../balancer/balancer.ts';
import { GatewayError } from '../errors.ts';
import type { Fleet, HostEntry } from '../hosts/fleet.ts';
import { PlacementMap } from '../hosts/placement.ts';
import { type FailoverReport, forwardWithFailover } from './failover.ts';
import type { Forwarder, ForwardOutcome, UpstreamRequest } from './forward.ts';

// Every way an attempt can end, with a fake forwarder in memory: what the loop tries next, what it
// answers, and what the balancer learns (in flight, passive health, placement, error metrics).

const HOSTS = ['h1', 'h2', 'h3'];

interface Seen {
  host: string;
  /** Requests in flight on that host while the attempt ran. */
  inflight: number;
}

describe('forwardWithFailover with a fake forwarder', () => {
  let fleet: Fleet;
  let metrics: GatewayMetrics;
  let registry: Registry;
  let placement: PlacementMap;
  let balancer: Balancer;
  let failures: { host: string; reason: string }[];
  let successes: string[];

  beforeEach(() => {
    fleet = testFleet();
    fleet.apply(lazyHosts(HOSTS));
    registry = new Registry();
    metrics = createGatewayMetrics(registry);
    placement = new PlacementMap(1000);
    failures = [];
    successes = [];
    balancer = testBalancer(
      fleet,
      {
        health: {
          passiveFailure: (host: HostEntry, reason: string) => failures.push({ host: host.id, reason }),
          passiveSuccess: (host: HostEntry) => successes.push(host.id),
        },
        placement,
      },
      metrics,
    );
  });
  afterEach(async () => {
    await fleet.close();
  });

  const plan: BalancePlan = {
    method: 'POST',
    route: '/v1/runtimes/:runtimeId/executions',
    key: 'rt-1',
    addressing: 'anycast-efficient',
  };
  const res = { headersSent: false, destroy: () => undefined } as unknown as ServerResponse;
  const request: UpstreamRequest = {
    method: 'POST',
    path: '/v1/runtimes/rt-1/executions',
    headers: [],
    body: null,
    res,
    peek404: true,
    deadline: 1000,
    idleTimeout: 1000,
  };
  const done: ForwardOutcome = { kind: 'done', status: 200, peek: undefined, headersSeconds: 0.001 };
  const sent = Object.assign(new Error('socket hang up'), { code: 'UND_ERR_SOCKET' });
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const timedOut = Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' });

  /** A forwarder that answers the n-th attempt with `outcomes[n]` and records where each went. */
  function fake(outcomes: ForwardOutcome[]): { forward: Forwarder; seen: Seen[] } {
    const seen: Seen[] = [];
    const forward: Forwarder = async (host) => {
      seen.push({ host: host.id, inflight: fleet.byId.get(host.id)!.inflight });
      const outcome = outcomes[seen.length - 1];
      if (outcome === undefined) throw new Error('more attempts than expected');
      return outcome;
    };
    return { forward, seen };
  }

  const run = (forward: Forwarder, maxTries = 3) => {
    const report: FailoverReport = { host: undefined, tries: 0, broken: undefined };
    return { report, done: forwardWithFailover(balancer, forward, plan, request, maxTries, report) };
  };
  const upstreamErrors = async () =>
    (await registry.getSingleMetric('fleetgate_gateway_upstream_errors_total')!.get()).values.map((v) => ({
      host: v.labels.host,
      kind: v.labels.kind,
      n: v.value,
    }));
  const retries = async () =>
    (await registry.getSingleMetric('fleetgate_gateway_retries_total')!.get()).values[0]?.value;
  const allIdle = () => fleet.hosts.every((h) => h.inflight === 0 && h.streams === 0);

  it('answers from the first host, counts it in flight during the attempt only, and learns the runtime is warm there', async () => {
    const { forward, seen } = fake([done]);
    const r = run(forward);
    await r.done;
    expect(seen).toEqual([{ host: seen[0]!.host, inflight: 1 }]);
    expect(r.report).toMatchObject({ host: seen[0]!.host, tries: 1, broken: undefined });
    expect(placement.isWarm('rt-1', seen[0]!.host)).toBe(true);
    expect(successes).toEqual([seen[0]!.host]);
    expect(allIdle()).toBe(true);
  });

  it('connect failure: tries the next host of the same order, marks the first failed, counts a retry', async () => {
    const { forward, seen } = fake([{ kind: 'connect', error: refused }, done]);
    const r = run(forward);
    await r.done;
    expect(seen.map((s) => s.inflight)).toEqual([1, 1]);
    expect(seen[1]!.host).not.toBe(seen[0]!.host);
    expect(r.report).toMatchObject({ host: seen[1]!.host, tries: 2 });
    expect(failures).toEqual([{ host: seen[0]!.host, reason: 'connect failed: ECONNREFUSED' }]);
    expect(await retries()).toBe(1);
    expect(await upstreamErrors()).toEqual([{ host: seen[0]!.host, kind: 'connect', n: 1 }]);
    expect(placement.isWarm('rt-1', seen[1]!.host)).toBe(true);
    expect(allIdle()).toBe(true);
  });

  it('connect failure on every host it may try: 502 upstream_unreachable after maxTries distinct hosts', async () => {
    const refusedEverywhere: ForwardOutcome = { kind: 'connect', error: refused };
    const { forward, seen } = fake([refusedEverywhere, refusedEverywhere, refusedEverywhere]);
    const r = run(forward, 2);
    const error = await r.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('GW_UPSTREAM_CONNECT');
    expect((error as GatewayError).status).toBe(502);
    expect(new Set(seen.map((s) => s.host)).size).toBe(2);
    expect(allIdle()).toBe(true);
  });

  it('failed after sending: 502 upstream_failed and never sent again', async () => {
    const { forward, seen } = fake([{ kind: 'failed', error: sent, timeout: false }]);
    const error = await run(forward).done.catch((e: unknown) => e);
    expect((error as GatewayError).code).toBe('GW_UPSTREAM_FAILED');
    expect((error as GatewayError).status).toBe(502);
    expect(seen).toHaveLength(1);
    expect(await upstreamErrors()).toEqual([{ host: seen[0]!.host, kind: 'reset', n: 1 }]);
    // A host that took the request and broke is not marked down by it (only connect failures and timeouts are).
    expect(failures).toEqual([]);
    expect(allIdle()).toBe(true);
  });

  it('timeout: 504 upstream_timeout, never sent again, the host marked failing', async () => {
    const { forward, seen } = fake([{ kind: 'failed', error: timedOut, timeout: true }]);
    const error = await run(forward).done.catch((e: unknown) => e);
    expect((error as GatewayError).code).toBe('GW_UPSTREAM_TIMEOUT');
    expect((error as GatewayError).status).toBe(504);
    expect(seen).toHaveLength(1);
    expect(failures).toEqual([{ host: seen[0]!.host, reason: 'request timed out' }]);
    expect(await upstreamErrors()).toEqual([{ host: seen[0]!.host, kind: 'timeout', n: 1 }]);
    expect(allIdle()).toBe(true);
  });

  it('broken after headers: ends as it is (the client saw a broken response), no retry, no error answer', async () => {
    const { forward, seen } = fake([{ kind: 'broken', status: 200, error: sent }]);
    const r = run(forward);
    await r.done;
    expect(seen).toHaveLength(1);
    expect(r.report.broken).toBe(sent);
    expect(await upstreamErrors()).toEqual([{ host: seen[0]!.host, kind: 'reset', n: 1 }]);
    expect(placement.isWarm('rt-1', seen[0]!.host)).toBe(false);
    expect(allIdle()).toBe(true);
  });

  it('client gone: ends quietly, no retry, counted as aborted', async () => {
    const { forward, seen } = fake([{ kind: 'client-aborted' }]);
    const r = run(forward);
    await r.done;
    expect(seen).toHaveLength(1);
    expect(r.report.broken).toBeUndefined();
    expect(await upstreamErrors()).toEqual([{ host: seen[0]!.host, kind: 'aborted', n: 1 }]);
    expect(failures).toEqual([]);
    expect(allIdle()).toBe(true);
  });

  it('no host at all: 503 no_hosts without calling the forwarder', async () => {
    fleet.apply([]);
    const { forward, seen } = fake([]);
    const error = await run(forward).done.catch((e: unknown) => e);
    expect((error as GatewayError).code).toBe('GW_NO_HOSTS');
    expect(seen).toEqual([]);
  });

  it('a log stream is counted apart from executions while it runs', async () => {
    const streams: number[] = [];
    const forward: Forwarder = async (host) => {
      const h = fleet.byId.get(host.id)!;
      streams.push(h.streams, h.inflight);
      return done;
    };
    const report: FailoverReport = { host: undefined, tries: 0, broken: undefined };
    await forwardWithFailover(
      balancer,
      forward,
      { ...plan, method: 'GET', route: '/v1/runtimes/:runtimeId/logs' },
      { ...request, method: 'GET', deadline: undefined },
      3,
      report,
    );
    expect(streams).toEqual([1, 0]);
    expect(allIdle()).toBe(true);
  });
});
