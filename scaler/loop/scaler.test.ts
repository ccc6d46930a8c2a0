import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/logger.ts';
import { MemoryRegistry } from '../../registry/memory-registry.ts';
import { memoryCoordination } from '../coordination/memory.ts';
import type { Coordination } from '../coordination/types.ts';
import { parsePolicy } from '../policy/parse.ts';
import { createScaler, type Scaler } from './scaler.ts';

// Nothing listens on port 1: the source reads nothing, and dry-run never touches the static host.
const POLICY = parsePolicy(`
pool: p
mode: dryRun
hosts: { min: 1, max: 2 }
provider: { type: static, hosts: [ "http://127.0.0.1:1" ] }
source: { gateway: { urls: [ "http://127.0.0.1:1" ] } }
metrics:
  - name: inflight
    query: fleetgate_gateway_inflight_requests
    target: { type: averagePerHost, value: 8 }
`);

describe('createScaler on a coordination', () => {
  const clock = new ManualClock(1_000_000);
  const started: Scaler[] = [];
  const scaler = (coordination: Coordination, identity: string) => {
    const s = createScaler({
      policies: [POLICY],
      registry: new MemoryRegistry({ clock }),
      coordination,
      identity,
      leaseTtlMs: 15_000,
      clock,
      logger: silentLogger(),
      metricsRegistry: new Registry(),
      provider: { executorSecret: 'unused' },
    });
    started.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
  });

  it('lets one of two scalers on one coordination lead; only the leader writes the shared log', async () => {
    const coordination = memoryCoordination({ clock });
    const [a, b] = [scaler(coordination, 'a'), scaler(coordination, 'b')];
    expect(await a.campaign()).toEqual(new Map([['p', true]]));
    expect(await b.campaign()).toEqual(new Map([['p', false]]));
    expect(a.pools.get('p')?.isLeader()).toBe(true);
    expect(b.pools.get('p')?.isLeader()).toBe(false);
    expect((await a.metrics.leader.get()).values).toMatchObject([{ labels: { pool: 'p' }, value: 1 }]);
    expect(await coordination.leaderLock('p', 'probe', 1).holder()).toMatch(/^a:/);

    expect((await a.loops[0]!.tick()).leader).toBe(true);
    expect((await b.loops[0]!.tick()).leader).toBe(false);
    const shared = await coordination.decisions.recent('p', 10);
    expect(shared.map((r) => r.leader)).toEqual([true]);
    // Each scaler's own view (GET /explain) keeps its ticks, led or not.
    expect(await b.pools.get('p')?.decisions.recent('p', 10)).toHaveLength(1);
  });

  it('hands the lock back when it stops, so another scaler can lead at once', async () => {
    const coordination = memoryCoordination({ clock });
    const a = scaler(coordination, 'a');
    expect((await a.campaign()).get('p')).toBe(true);
    await a.stop();
    expect(await coordination.leaderLock('p', 'probe', 1).holder()).toBeUndefined();
    const b = scaler(coordination, 'b');
    expect((await b.campaign()).get('p')).toBe(true);
  });
});
