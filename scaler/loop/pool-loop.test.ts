import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createScalerMetrics } from '../../metrics/scaler.ts';
import { RegistryError } from '../../registry/errors.ts';
import { MemoryRegistry } from '../../registry/memory-registry.ts';
import type { HostRegistry } from '../../registry/types.ts';
import { soleLeader } from '../leader/elector.ts';
import { parsePolicy } from '../policy/parse.ts';
import { type HostProvider, ProviderError, type ProvisionedHost } from '../providers/types.ts';
import type { MetricReading, MetricSource, Series } from '../sources/types.ts';
import { memoryDecisionLog } from './decision-log.ts';
import { PoolLoop } from './pool-loop.ts';

/**
 * One HTTP server per executor, on its own port (a registered URL is an origin, no path): its
 * `/v1/health` answers 200 when its id is in `healthy`.
 */
const servers = new Map<string, Server>();
const healthy = new Set<string>();

/** The URL of the stand-in executor `id`, started on first use. */
async function hostUrl(id: string): Promise<string> {
  let server = servers.get(id);
  if (!server) {
    const s = createServer((req, res) => {
      res.statusCode = req.url === '/v1/health' && healthy.has(id) ? 200 : 503;
      res.end(res.statusCode === 200 ? 'OK' : 'booting');
    });
    servers.set(id, s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    server = s;
  }
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterAll(async () => {
  for (const server of servers.values()) {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
beforeEach(() => healthy.clear());

const POLICY = `
pool: p
interval: 15s
hosts: { min: 1, max: 10 }
provider: { type: process }
metrics:
  - name: inflight
    query: demand
    target: { type: averagePerHost, value: 10 }
scaleDown: { stabilizationWindow: 0s, policies: [ { type: Percent, value: 100, period: 15s } ] }
startup: { holdFor: 0s }
capacity: { bootTimeout: 60s }
drain: { timeout: 120s }
panic: { enabled: false }
`;

/** A provider whose hosts live at `hostUrl(id)`; `fail`/`hang` make create misbehave. */
function fakeProvider() {
  let n = 0;
  const calls = { create: 0, destroy: [] as string[] };
  const mode = { fail: false, hang: false, autoHealthy: true };
  const provider: HostProvider = {
    kind: 'process',
    async create({ signal }) {
      calls.create++;
      if (mode.fail) throw new ProviderError('PROVIDER_CREATE_FAILED', 'boom');
      if (mode.hang) {
        await new Promise((_, reject) =>
          signal?.addEventListener('abort', () => reject(new Error('aborted'))),
        );
      }
      const id = `h${++n}`;
      if (mode.autoHealthy) healthy.add(id);
      return { id, url: await hostUrl(id), labels: {} };
    },
    async destroy(host: ProvisionedHost) {
      calls.destroy.push(host.id);
      healthy.delete(host.id);
    },
    async close() {},
  };
  return { provider, calls, mode };
}

/** Counts registry writes so dry-run can assert it made none. */
function countingRegistry(inner: HostRegistry) {
  const writes: string[] = [];
  let down = false;
  const guard = () => {
    if (down) throw new RegistryError('REGISTRY_UNAVAILABLE', 'redis is down');
  };
  const write = (what: string) => {
    guard();
    writes.push(what);
  };
  const registry: HostRegistry = {
    register: async (pool, host) => {
      write(`register ${host.id}`);
      return inner.register(pool, host);
    },
    setState: async (pool, id, state) => {
      write(`${state} ${id}`);
      return inner.setState(pool, id, state);
    },
    deregister: async (pool, id) => {
      write(`deregister ${id}`);
      return inner.deregister(pool, id);
    },
    list: async (pool) => {
      guard();
      return inner.list(pool);
    },
    watch: (pool, l) => inner.watch(pool, l),
    healthy: () => !down,
    close: () => inner.close(),
  };
  return { registry, writes, setDown: (d: boolean) => (down = d) };
}

function setup(
  policyText = POLICY,
  options: { leader?: boolean; readRange?: MetricSource['readRange'] } = {},
) {
  const clock = new ManualClock(1_000_000);
  const memory = new MemoryRegistry({ clock });
  const { registry, writes, setDown } = countingRegistry(memory);
  let demand: MetricReading = { ok: true, value: 10 };
  let inflight: Series[] = [];
  const source: MetricSource = {
    kind: 'fake',
    read: async () => demand,
    readVector: async (q) =>
      q.includes('inflight') ? { ok: true, series: inflight } : { ok: true, series: [] },
    close: async () => {},
    ...(options.readRange ? { readRange: options.readRange } : {}),
  };
  const fake = fakeProvider();
  const elector = options.leader === false ? { ...soleLeader(), isLeader: () => false } : soleLeader();
  const log = memoryDecisionLog();
  const promRegistry = new Registry();
  const loop = new PoolLoop({
    policy: parsePolicy(policyText),
    registry,
    source,
    provider: fake.provider,
    elector,
    clock,
    logger: silentLogger(),
    metrics: createScalerMetrics(promRegistry),
    localLog: log,
    startedAt: clock.now(),
    options: {
      healthPollMs: 20,
      drainSettleMs: 5000,
      providerTimeoutMs: 300,
      retry: { baseMs: 30_000, maxMs: 60_000 },
    },
  });
  return {
    promRegistry,
    clock,
    memory,
    writes,
    setDown,
    fake,
    loop,
    log,
    setDemand: (r: MetricReading | number) => {
      demand = typeof r === 'number' ? { ok: true, value: r } : r;
    },
    setInflight: (byHost: Record<string, number>) => {
      inflight = Object.entries(byHost).map(([host, value]) => ({ labels: { host }, value }));
    },
    hosts: async () => (await memory.list('p')).hosts.map((h) => `${h.id}:${h.state}`).sort(),
    next: async () => {
      clock.advance(15_000);
      return loop.tick();
    },
  };
}

async function until(check: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('pool loop', () => {
  it('with forecast.enabled, loads the history once from the source and forecasts from it', async () => {
    const asked: number[][] = [];
    // 3 hours of a 10-minute timer burst (100 in flight in the first minute of every 10, else 10).
    const readRange = async (_q: string, start: number, end: number, step: number) => {
      asked.push([start, end, step]);
      const points = [];
      for (let t = Math.ceil(start / step) * step; t <= end; t += step) {
        points.push({ t, value: Math.floor(t / 60_000) % 10 === 0 ? 100 : 10 });
      }
      return { ok: true as const, points };
    };
    const t = setup(`${POLICY}forecast: { enabled: true, seasons: [10m], lookback: 3h }\n`, { readRange });
    t.setDemand(10);
    const first = await t.loop.tick();
    await t.next();
    expect(asked).toEqual([[1_000_000 - 3 * 3_600_000, 1_000_000, 60_000]]);
    const forecast = first.decision!.forecasts!.inflight!;
    expect(forecast).toMatchObject({ trusted: true, reason: 'ForecastTrusted' });
    expect(first.decision!.steps.some((s) => s.step === 'forecast')).toBe(true);
    await t.loop.stop();
  });

  it('without forecast.enabled, reads no history and records no forecast', async () => {
    let calls = 0;
    const t = setup(POLICY, {
      readRange: async () => {
        calls++;
        return { ok: true, points: [] };
      },
    });
    const record = await t.loop.tick();
    expect(calls).toBe(0);
    expect(record.decision!.forecasts).toBeUndefined();
    await t.loop.stop();
  });

  it('starts hosts, registers them booting, and activates them once /v1/health answers', async () => {
    const t = setup();
    t.setDemand(30);
    const record = await t.loop.tick();
    expect(record.reason).toBe('ScaleUp');
    expect(record.outcomes.filter((o) => o.action === 'start' && o.ok)).toHaveLength(3);
    await until(async () => (await t.hosts()).every((h) => h.endsWith(':active')), 'activation');
    expect(await t.hosts()).toEqual(['h1:active', 'h2:active', 'h3:active']);
    expect(t.writes.filter((w) => w.startsWith('register'))).toEqual([
      'register h1',
      'register h2',
      'register h3',
    ]);
    await t.loop.stop();
  });

  it('keeps a host booting until it answers, then the tick activates it', async () => {
    const t = setup();
    t.fake.mode.autoHealthy = false;
    t.setDemand(10);
    await t.loop.tick();
    expect(await t.hosts()).toEqual(['h1:booting']);
    healthy.add('h1');
    const record = await t.next();
    expect(await t.hosts()).toEqual(['h1:active']);
    expect(record.outcomes.some((o) => o.action === 'activate' || o.action === 'start')).toBe(true);
    await t.loop.stop();
  });

  it('drains a victim, waits for zero in flight on two ticks after the settle time, then deregisters and destroys it', async () => {
    const t = setup();
    t.setDemand(20);
    await t.loop.tick();
    await until(async () => (await t.hosts()).every((h) => h.endsWith(':active')), 'activation');
    t.setDemand(10);
    t.setInflight({ h1: 3, h2: 1 });
    const down = await t.next();
    const drained = down.outcomes.find((o) => o.action === 'drain');
    expect(drained?.ok).toBe(true);
    const victim = drained!.hostId!;
    expect(await t.hosts()).toContain(`${victim}:draining`);
    // Still in flight: not removed.
    t.setInflight({ [victim]: 2 });
    await t.next();
    expect(await t.hosts()).toContain(`${victim}:draining`);
    expect(t.fake.calls.destroy).toEqual([]);
    // Zero in flight past the settle time, on two consecutive ticks: removed, then destroyed.
    t.setInflight({});
    const first = await t.next();
    expect(first.outcomes.some((o) => o.action === 'remove')).toBe(false);
    const removed = await t.next();
    expect(removed.outcomes).toContainEqual(
      expect.objectContaining({ action: 'remove', hostId: victim, ok: true }),
    );
    expect(await t.hosts()).toHaveLength(1);
    expect(t.fake.calls.destroy).toEqual([victim]);
    const order = t.writes.filter((w) => w.includes(victim));
    expect(order).toEqual([
      `register ${victim}`,
      `active ${victim}`,
      `draining ${victim}`,
      `deregister ${victim}`,
    ]);
    await t.loop.stop();
  });

  it('removes a draining host at the drain timeout even with requests in flight', async () => {
    const t = setup();
    t.setDemand(20);
    await t.loop.tick();
    await until(async () => (await t.hosts()).every((h) => h.endsWith(':active')), 'activation');
    t.setDemand(10);
    const down = await t.next();
    const victim = down.outcomes.find((o) => o.action === 'drain')!.hostId!;
    t.setInflight({ [victim]: 5 });
    for (let i = 0; i < 7; i++) await t.next(); // 105 s < 120 s
    expect(await t.hosts()).toContain(`${victim}:draining`);
    const record = await t.next(); // 120 s
    expect(record.outcomes).toContainEqual(expect.objectContaining({ action: 'remove', hostId: victim }));
    expect(record.outcomes.find((o) => o.action === 'remove')?.detail).toContain('drain timeout');
    await t.loop.stop();
  });

  it('does not read a failed in-flight query as zero: the drain waits', async () => {
    const t = setup();
    t.setDemand(20);
    await t.loop.tick();
    await until(async () => (await t.hosts()).every((h) => h.endsWith(':active')), 'activation');
    t.setDemand(10);
    const victim = (await t.next()).outcomes.find((o) => o.action === 'drain')!.hostId!;
    // The loop's in-flight read fails from now on.
    (t.loop as unknown as { deps: { source: MetricSource } }).deps.source.readVector = async () => ({
      ok: false,
      reason: 'unreachable',
    });
    await t.next();
    await t.next();
    expect(await t.hosts()).toContain(`${victim}:draining`);
    await t.loop.stop();
  });

  it.each([
    ['policy mode dryRun', `${POLICY}\nmode: dryRun\n`, true],
    ['a follower', POLICY, false],
  ])('%s records decisions and writes nothing to the registry', async (_name, text, leader) => {
    const t = setup(text, { leader });
    t.setDemand(50);
    const record = await t.loop.tick();
    expect(record.decision?.actions).toEqual([{ type: 'start', count: 4, execute: false }]);
    expect(record.outcomes).toEqual([expect.objectContaining({ action: 'start', skipped: true })]);
    expect(record.leader).toBe(leader);
    expect(t.writes).toEqual([]);
    expect(t.fake.calls.create).toBe(0);
    expect(await t.log.recent('p', 10)).toHaveLength(1);
    await t.loop.stop();
  });

  it('in paused mode plans nothing new but lets a booting host finish its boot', async () => {
    const t = setup(`${POLICY}\nmode: paused\n`);
    await t.memory.register('p', {
      id: 'h9',
      url: await hostUrl('h9'),
      state: 'booting',
      provider: 'process',
    });
    healthy.add('h9');
    t.setDemand(50);
    const record = await t.loop.tick();
    expect(record.reason).toBe('Paused');
    expect(record.decision?.actions).toEqual([]);
    expect(t.fake.calls.create).toBe(0);
    expect(await t.hosts()).toEqual(['h9:active']);
    await t.loop.stop();
  });

  it('exports desired and per-state hosts, metric value and validity, source errors, decisions, leader, tick time', async () => {
    const t = setup();
    t.fake.mode.autoHealthy = false;
    t.setDemand(20);
    await t.loop.tick();
    t.setDemand({ ok: false, reason: 'empty' });
    await t.next();
    const text = await t.promRegistry.metrics();
    for (const line of [
      'fleetgate_scaler_desired_hosts{pool="p"} 2',
      'fleetgate_scaler_hosts{pool="p",state="booting"} 2',
      'fleetgate_scaler_hosts{pool="p",state="active"} 0',
      'fleetgate_scaler_metric_value{pool="p",metric="inflight"} 20',
      'fleetgate_scaler_metric_valid{pool="p",metric="inflight"} 0',
      'fleetgate_scaler_source_errors_total{pool="p",metric="inflight",reason="empty"} 1',
      'fleetgate_scaler_decisions_total{pool="p",reason="ScaleUp"} 1',
      'fleetgate_scaler_decisions_total{pool="p",reason="MetricNoData"} 1',
      'fleetgate_scaler_provider_operations_total{pool="p",operation="create",outcome="ok"} 2',
      'fleetgate_scaler_leader{pool="p"} 1',
      'fleetgate_scaler_tick_duration_seconds_count{pool="p"} 2',
    ]) {
      expect(text).toContain(line);
    }
    await t.loop.stop();
  });

  it('takes no action while the registry is down, keeps ticking, and recovers', async () => {
    const t = setup();
    t.setDemand(20);
    t.setDown(true);
    const down = await t.loop.tick();
    expect(down.reason).toBe('RegistryUnavailable');
    expect(t.fake.calls.create).toBe(0);
    t.setDown(false);
    const up = await t.next();
    expect(up.reason).toBe('ScaleUp');
    expect(t.fake.calls.create).toBe(2);
    expect((await t.log.recent('p', 10)).map((r) => r.reason)).toEqual(['ScaleUp', 'RegistryUnavailable']);
    await t.loop.stop();
  });

  it('records a failing create, registers nothing, and retries only after the backoff', async () => {
    const t = setup();
    t.fake.mode.fail = true;
    t.setDemand(10);
    const first = await t.loop.tick();
    expect(first.outcomes).toEqual([expect.objectContaining({ action: 'start', ok: false, detail: 'boom' })]);
    expect(await t.hosts()).toEqual([]);
    t.clock.advance(15_000);
    const second = await t.loop.tick(); // 15 s < 30 s backoff
    expect(second.outcomes).toEqual([expect.objectContaining({ action: 'start', skipped: true })]);
    expect(t.fake.calls.create).toBe(1);
    t.fake.mode.fail = false;
    await t.next(); // 30 s: retried
    expect(t.fake.calls.create).toBe(2);
    expect(await t.hosts()).toEqual(
      ['h1:booting'].length ? expect.arrayContaining([expect.stringMatching(/^h1:/)]) : [],
    );
    await t.loop.stop();
  });

  it('abandons a create that hangs past the provider timeout and registers nothing', async () => {
    const t = setup();
    t.fake.mode.hang = true;
    t.setDemand(10);
    const record = await t.loop.tick();
    expect(record.outcomes).toEqual([expect.objectContaining({ action: 'start', ok: false })]);
    expect(record.outcomes[0]?.detail).toContain('timed out');
    expect(await t.hosts()).toEqual([]);
    await t.loop.stop();
  });

  it('destroys a created host whose registration failed', async () => {
    const t = setup();
    t.setDemand(10);
    const inner = t.memory.register.bind(t.memory);
    t.memory.register = async () => {
      throw new RegistryError('REGISTRY_UNAVAILABLE', 'redis went away');
    };
    const record = await t.loop.tick();
    expect(record.outcomes).toEqual([expect.objectContaining({ action: 'start', ok: false })]);
    expect(t.fake.calls.destroy).toEqual(['h1']);
    t.memory.register = inner;
    await t.loop.stop();
  });

  it('replaces a host stuck booting past the boot timeout once, and reports it', async () => {
    const t = setup();
    t.fake.mode.autoHealthy = false;
    t.setDemand(10);
    await t.loop.tick();
    t.clock.advance(61_000);
    const record = await t.loop.tick();
    expect(record.decision?.steps.some((s) => s.reason === 'BootTimeout')).toBe(true);
    expect(record.outcomes).toContainEqual(expect.objectContaining({ action: 'replace', hostId: 'h1' }));
    expect(t.fake.calls.destroy).toEqual(['h1']);
    expect(await t.hosts()).toEqual(['h2:booting']);
    await t.loop.stop();
  });

  it('deregisters a host its provider reports gone', async () => {
    const t = setup();
    t.setDemand(10);
    await t.loop.tick();
    await until(async () => (await t.hosts()).includes('h1:active'), 'activation');
    t.fake.provider.exists = async (h) => h.id !== 'h1';
    const record = await t.next();
    expect(record.outcomes).toContainEqual(
      expect.objectContaining({ action: 'deregister-vanished', hostId: 'h1' }),
    );
    await t.loop.stop();
  });
});
