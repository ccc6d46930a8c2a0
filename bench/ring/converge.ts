import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Fleet } from '../../gateway/hosts/fleet.ts';
import { FleetView } from '../../gateway/hosts/fleet-view.ts';
import { systemClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createRegistry } from '../../registry/create-registry.ts';
import type { HostRegistry } from '../../registry/types.ts';
import { stopProcess } from '../lib/procs.ts';
import { startRedis } from '../lib/redis.ts';
import type { ResultTable } from '../lib/results.ts';
import { median, round } from '../lib/stats.ts';

/** Options of the convergence simulation. */
export interface ConvergeOptions {
  hosts: number;
  gateways: number;
  changes: number;
}

interface Gateway {
  fleet: Fleet;
  view: FleetView;
  registry: HostRegistry;
}

const POOL = 'scale';

/** Turns the event loop until `done()` holds (the gateways apply snapshots on their own callbacks). */
async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`not converged after ${timeoutMs} ms`);
    await nextTurn();
  }
}

/**
 * Registry reload and convergence across in-process gateways over a real redis-server: `hosts` hosts
 * registered, `gateways` fleet views (each its own Redis connections, as separate gateway processes
 * have) loading the pool, then `changes` joins and leaves, each timed from the registry write until
 * the last gateway's fleet has applied it (pub/sub, then a full reload of the pool per gateway).
 */
export async function runConverge(o: ConvergeOptions): Promise<{ tables: ResultTable[]; data: unknown }> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetgate-bench-converge-'));
  const redis = await startRedis(dir);
  const writer = createRegistry({ type: 'redis', url: redis.url });
  const gateways: Gateway[] = [];
  try {
    for (let i = 1; i <= o.hosts; i++) {
      await writer.register(POOL, {
        id: `executor-${i}`,
        url: `http://10.0.${Math.floor(i / 250)}.${(i % 250) + 1}:9900`,
        state: 'active',
        provider: 'static',
      });
    }
    const loadMs: number[] = [];
    for (let g = 0; g < o.gateways; g++) {
      const fleet = new Fleet({
        logger: silentLogger(),
        now: () => Date.now(),
        health: { ejectAfter: 3, interval: 1000, backoffMin: 1000, backoffMax: 1000 },
        // Pools connect lazily: no socket is opened to these addresses.
        pool: { connectTimeout: 1000, keepAliveTimeout: 1000 },
      });
      const registry = createRegistry({ type: 'redis', url: redis.url });
      const view = new FleetView({
        fleet,
        registry,
        pool: POOL,
        staticHosts: [],
        clock: systemClock,
        logger: silentLogger(),
        reloadInterval: 0,
      });
      const t0 = performance.now();
      await view.start();
      loadMs.push(performance.now() - t0);
      if (fleet.ring.members.length !== o.hosts)
        throw new Error(`gateway ${g} loaded ${fleet.ring.members.length} hosts`);
      gateways.push({ fleet, view, registry });
    }
    // Their tables fill in the background, on the loop the 10 share.
    const t0 = performance.now();
    await until(() => gateways.every((gw) => gw.fleet.ring.pending === 0), 300_000);
    const filledMs = performance.now() - t0;

    const convergeMs: number[] = [];
    const completeMs: number[] = [];
    const firstMs: number[] = [];
    for (let c = 0; c < o.changes; c++) {
      const join = c % 2 === 0;
      const id = join ? `joined-${c}` : `joined-${c - 1}`;
      const t0 = performance.now();
      if (join)
        await writer.register(POOL, { id, url: 'http://10.9.9.9:9900', state: 'active', provider: 'static' });
      else await writer.deregister(POOL, id);
      await until(() => gateways.some((gw) => gw.fleet.byId.has(id) === join), 30_000);
      firstMs.push(performance.now() - t0);
      await until(() => gateways.every((gw) => gw.fleet.byId.has(id) === join), 30_000);
      convergeMs.push(performance.now() - t0);
      await until(() => gateways.every((gw) => gw.fleet.ring.pending === 0), 60_000);
      completeMs.push(performance.now() - t0);
    }

    const q = (v: number[], p: number) =>
      [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(v.length * p))]!;
    const tables: ResultTable[] = [
      {
        title: `Registry reload and convergence: ${o.hosts} hosts in Redis, ${o.gateways} in-process gateways, ${o.changes} joins and leaves`,
        columns: ['measure', 'p50 ms', 'max ms'],
        rows: [
          [
            'first full load of the pool, per gateway',
            round(median(loadMs), 1),
            round(Math.max(...loadMs), 1),
          ],
          ['then every table of the 10 complete (filled in the background)', round(filledMs, 1), '–'],
          ['registry write → first gateway applied it', round(median(firstMs), 1), round(q(firstMs, 1), 1)],
          [
            'registry write → last gateway applied it (routes on the new hosts)',
            round(median(convergeMs), 1),
            round(q(convergeMs, 1), 1),
          ],
          [
            'registry write → last gateway’s table complete',
            round(median(completeMs), 1),
            round(q(completeMs, 1), 1),
          ],
        ],
        notes: [
          'Each gateway is a `FleetView` over its own Redis connections (subscriber and commands), in one process: the times include the event loop shared by the 10 (and their 10 table fills). A change reaches them by pub/sub; each then reloads the whole pool and updates its ring, which routes at once (a lookup computes its own bucket) while the rest of the table fills a slice per turn of the loop.',
        ],
      },
    ];
    return { tables, data: { options: o, loadMs, filledMs, firstMs, convergeMs, completeMs } };
  } finally {
    for (const gw of gateways) {
      gw.view.stop();
      await gw.fleet.close();
      await gw.registry.close();
    }
    await writer.close();
    await stopProcess(redis.proc);
    rmSync(dir, { recursive: true, force: true });
  }
}
