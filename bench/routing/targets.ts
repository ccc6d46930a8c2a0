import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../lib/free-port.ts';
import type { HostRegistry } from '../../registry/types.ts';
import { haproxyCommand } from '../lib/haproxy-admin.ts';
import {
  type HaproxyBalance,
  haproxyRoutingConfig,
  nginxRoutingConfig,
  type PeerServer,
  startHaproxy,
  startNginx,
} from '../lib/peers.ts';
import { onPath, startProcess, stopProcess, type Tracked, waitForPort } from '../lib/procs.ts';
import { type BenchRedis, startRedis } from '../lib/redis.ts';
import type { ExecutorHost, FleetOptions } from './fleet.ts';

/** A router under test, started in front of the fleet. */
export interface RunningRouter {
  url: string;
  /** Extra request headers (Fleetgate's addressing method). */
  headers: Record<string, string>;
  /** Put a new host into service. */
  add(host: ExecutorHost): Promise<void>;
  /** Stop sending new work to a host (it keeps serving what it has). */
  drain(host: ExecutorHost): Promise<void>;
  stop(): Promise<void>;
  /** The router's own Prometheus metrics (Fleetgate), for pre-warm and cold-start counts. */
  metrics?(): Promise<string>;
}

/** What a target needs to start. */
export interface RouterContext {
  runDir: string;
  secret: string;
  /** Every executor, including the spare that is added mid-run. */
  hosts: readonly ExecutorHost[];
  /** The spare: not in service at the start. */
  spare: ExecutorHost;
  /** Node options for the router's process (Fleetgate: `--profile-gateway DIR` gives `--cpu-prof`). */
  nodeArgs?: readonly string[];
}

/** A routing strategy of one product. */
export interface RoutingTarget {
  name: string;
  family: 'Fleetgate' | 'HAProxy' | 'nginx';
  /** How add and drain are carried out, for the README. */
  membership: string;
  unavailable(): string | undefined;
  start(ctx: RouterContext): Promise<RunningRouter>;
  /** The executors' idle reaping in this row (bench:routing --keep-warm); unset: never within a run. */
  reaping?: FleetOptions['reaping'];
}

const peerServers = (hosts: readonly ExecutorHost[]): PeerServer[] =>
  hosts.map((h) => ({ name: h.name, port: h.port, id: h.id }));

export function haproxyTarget(name: string, balance: HaproxyBalance): RoutingTarget {
  return {
    name,
    family: 'HAProxy',
    membership:
      'add: `set server be/<h> state ready` on the runtime API (server configured `disabled`); drain: `set server be/<h> state drain`',
    unavailable: () => (onPath('haproxy') ? undefined : 'haproxy not installed'),
    async start(ctx) {
      const port = await freePort();
      // Short: the admin socket path must fit a unix socket address (108 bytes).
      const dir = join(ctx.runDir, `haproxy-${name.replace(/\W+/g, '-').slice(0, 32)}`);
      mkdirSync(dir, { recursive: true });
      const socket = join(dir, 'admin.sock');
      const config = haproxyRoutingConfig(
        port,
        socket,
        peerServers(ctx.hosts),
        balance,
        new Set([ctx.spare.name]),
      );
      const proc = await startHaproxy(dir, config, port);
      // Wait until the health checks have marked the enabled servers up (rise 2 × 500 ms).
      await waitFor(async () => {
        const stat = await haproxyCommand(socket, 'show servers state be');
        return ctx.hosts
          .filter((h) => h !== ctx.spare)
          .every((h) => new RegExp(` ${h.name} \\S+ 2 `).test(stat));
      }, 10_000);
      return {
        url: `http://127.0.0.1:${port}`,
        headers: {},
        add: async (h) => void (await haproxyCommand(socket, `set server be/${h.name} state ready`)),
        drain: async (h) => void (await haproxyCommand(socket, `set server be/${h.name} state drain`)),
        stop: () => stopProcess(proc),
      };
    },
  };
}

function nginxTarget(): RoutingTarget {
  return {
    name: 'nginx hash consistent',
    family: 'nginx',
    membership: 'add: server line added + reload (SIGHUP); drain: server marked `down` + reload',
    unavailable: () => (onPath('nginx') ? undefined : 'nginx not installed'),
    async start(ctx) {
      const port = await freePort();
      const dir = join(ctx.runDir, 'nginx');
      let members = ctx.hosts.filter((h) => h !== ctx.spare);
      const down = new Set<string>();
      const render = () =>
        nginxRoutingConfig(
          dir,
          port,
          peerServers(members).map((s) => ({ ...s, down: down.has(s.name) })),
        );
      const proc = await startNginx(dir, render(), port);
      const reload = async () => {
        writeFileSync(join(dir, 'nginx.conf'), render());
        process.kill(proc.pid, 'SIGHUP');
        // nginx answers SIGHUP by starting new workers; give them a moment before measuring on.
        await new Promise((r) => setTimeout(r, 200));
      };
      return {
        url: `http://127.0.0.1:${port}`,
        headers: {},
        async add(h) {
          members = [...members, h].sort((a, b) => a.id - b.id);
          await reload();
        },
        async drain(h) {
          down.add(h.name);
          await reload();
        },
        stop: () => stopProcess(proc),
      };
    },
  };
}

/** Options of one Fleetgate variant. */
export interface FleetgateVariant {
  addressing: 'anycast-efficient' | 'anycast-fast';
  boundedLoads: boolean;
  warmPreference: boolean;
  /** `gateway.replicaCapacity` (0: replication off). */
  replicaCapacity?: number;
  /**
   * Keep-warm on (with the activator it pre-warms through): `gateway.keepWarm` fields (YAML scalars,
   * e.g. `{ timeScale: 60, fixedKeepAlive: '5m' }`) and the placement resync period.
   */
  keepWarm?: { fields: Record<string, string | number | boolean>; resyncInterval?: string };
  /** `gateway.placement.resyncInterval` without keep-warm (executors that reap within the run). */
  resyncInterval?: string;
  /** `gateway.warmSlots` (absent: the default, off). */
  warmSlots?: number;
}

/** Why Fleetgate's routing cannot be benchmarked yet (gateway CLI or Redis registry missing). */
export function fleetgateRoutingUnavailable(): string | undefined {
  if (!existsSync('cli/gateway-command.ts') && !existsSync('cli/gateway.ts')) {
    return 'gateway CLI not built yet';
  }
  if (!onPath('redis-server')) return 'redis-server not installed';
  return undefined;
}

/** The gateway's config file in the routing benchmark (one Redis registry per run, `variant`'s switches). */
export function fleetgateRoutingConfig(
  pool: string,
  redisUrl: string,
  port: number,
  secret: string,
  variant: FleetgateVariant,
): string {
  return [
    `pool: ${pool}`,
    'log:',
    '  level: warn',
    'registry:',
    '  type: redis',
    `  url: ${redisUrl}`,
    'gateway:',
    '  host: 127.0.0.1',
    `  port: ${port}`,
    `  secret: ${secret}`,
    `  executorSecret: ${secret}`,
    '  loadFactor: 1.25',
    `  boundedLoads: ${variant.boundedLoads}`,
    `  warmPreference: ${variant.warmPreference}`,
    `  replicaCapacity: ${variant.replicaCapacity ?? 0}`,
    ...(variant.warmSlots === undefined ? [] : [`  warmSlots: ${variant.warmSlots}`]),
    '  healthCheck:',
    // The same detection budget as HAProxy's `inter 500ms fall 2`.
    '    interval: 500ms',
    '    ejectAfter: 2',
    ...keepWarmLines(variant),
    '',
  ].join('\n');
}

/** The activator, keep-warm and placement lines of a variant's config (none for the plain rows). */
function keepWarmLines(variant: FleetgateVariant): string[] {
  const lines: string[] = [];
  const resync = variant.keepWarm?.resyncInterval ?? variant.resyncInterval;
  if (resync !== undefined) lines.push('  placement:', `    resyncInterval: ${resync}`);
  if (variant.keepWarm === undefined) return lines;
  lines.push('  activator:', '    enabled: true', '  keepWarm:', '    enabled: true');
  for (const [k, v] of Object.entries(variant.keepWarm.fields)) lines.push(`    ${k}: ${v}`);
  return lines;
}

export function fleetgateTarget(name: string, variant: FleetgateVariant): RoutingTarget {
  return {
    name,
    family: 'Fleetgate',
    membership:
      'add: host registered `active` in the Redis registry; drain: state `draining` (gateway watches the registry)',
    unavailable: fleetgateRoutingUnavailable,
    async start(ctx) {
      const dir = join(ctx.runDir, `fleetgate-${name.replace(/\W+/g, '-')}`);
      mkdirSync(dir, { recursive: true });
      const redis: BenchRedis = await startRedis(dir);
      const { createRegistry } = await import('../../registry/create-registry.ts');
      const registry: HostRegistry = createRegistry({ type: 'redis', url: redis.url });
      const pool = 'bench';
      for (const h of ctx.hosts.filter((x) => x !== ctx.spare)) {
        await registry.register(pool, { id: h.name, url: h.url, state: 'active', provider: 'static' });
      }
      const port = await freePort();
      const configFile = join(dir, 'fleetgate.yaml');
      writeFileSync(configFile, fleetgateRoutingConfig(pool, redis.url, port, ctx.secret, variant));
      const proc: Tracked = startProcess('fleetgate-gateway', process.execPath, [
        ...(ctx.nodeArgs ?? []),
        'bin/fleetgate.js',
        'gateway',
        '--config',
        configFile,
      ]);
      await waitForPort(port, 30_000, proc);
      await waitFor(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        return res?.status === 200;
      }, 15_000);
      return {
        url: `http://127.0.0.1:${port}`,
        headers: { 'x-opr-addressing-method': variant.addressing },
        add: async (h) =>
          void (await registry.register(pool, {
            id: h.name,
            url: h.url,
            state: 'active',
            provider: 'static',
          })),
        drain: async (h) => void (await registry.setState(pool, h.name, 'draining')),
        metrics: async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
        async stop() {
          await stopProcess(proc);
          await registry.close();
          await stopProcess(redis.proc);
        },
      };
    },
  };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every routing target, Fleetgate's variants first. */
export function routingTargets(): RoutingTarget[] {
  return [
    fleetgateTarget('Fleetgate anycast-efficient', {
      addressing: 'anycast-efficient',
      boundedLoads: true,
      warmPreference: true,
    }),
    fleetgateTarget('Fleetgate replicated (replicaCapacity 8)', {
      addressing: 'anycast-efficient',
      boundedLoads: true,
      warmPreference: true,
      replicaCapacity: 8,
    }),
    fleetgateTarget('Fleetgate efficient, no bounded loads', {
      addressing: 'anycast-efficient',
      boundedLoads: false,
      warmPreference: true,
    }),
    fleetgateTarget('Fleetgate efficient, no warm preference', {
      addressing: 'anycast-efficient',
      boundedLoads: true,
      warmPreference: false,
    }),
    fleetgateTarget('Fleetgate anycast-fast', {
      addressing: 'anycast-fast',
      boundedLoads: true,
      warmPreference: true,
    }),
    haproxyTarget('HAProxy hash, balance-factor 125', { kind: 'hash', balanceFactor: 125 }),
    haproxyTarget('HAProxy hash, balance-factor 0', { kind: 'hash', balanceFactor: 0 }),
    nginxTarget(),
    haproxyTarget('round-robin (HAProxy)', { kind: 'roundrobin' }),
    haproxyTarget('random (HAProxy)', { kind: 'random' }),
  ];
}
