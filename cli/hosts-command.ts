import { loadConfig } from '../config/load.ts';
import { UsageError } from '../lib/errors.ts';
import { table } from '../load/format.ts';
import { createRegistry } from '../registry/create-registry.ts';
import { RegistryError } from '../registry/errors.ts';
import { registryOptionsFromConfig } from '../registry/from-config.ts';
import { HOST_STATES } from '../registry/host.ts';
import type { FleetSnapshot, HostRegistry, HostState } from '../registry/types.ts';
import { parseCommandArgs } from './args.ts';
import type { CliIO, Command } from './io.ts';

const HELP = `Usage: fleetgate hosts <list|add|drain|activate|remove> [options]

Reads and changes the executor hosts registered in a shared (Redis) registry. Gateways watching the
registry pick every change up within a moment.

Commands:
  list                 Table of hosts: id, url, state, weight, age (--json for JSON)
  add URL              Register an executor host (active unless --state says otherwise)
  drain ID             Mark a host draining: gateways send it no new runtimes
  activate ID          Mark a host active again
  remove ID            Deregister a host

Options:
  --redis URL          Redis of the registry (env FLEETGATE_REDIS_URL or OPR_PROXY_CONNECTIONS_STATE)
  --config FILE        Read the registry (and pool) from a Fleetgate config file (env FLEETGATE_CONFIG)
  --pool P             Pool to act on (default: the config's pool, env FLEETGATE_POOL, else "default")
  --weight N           add: relative weight on the ring (default 1)
  --id ID              add: host id (default: the URL's host:port)
  --state S            add: booting, active or draining (default active)
  --json               list: print the pool snapshot as JSON
  -h, --help           Show this help

Exit status: 0 ok, 1 failure (Redis unreachable, unknown host), 2 bad usage.
`;

const OPTIONS = {
  redis: { type: 'string' },
  config: { type: 'string' },
  pool: { type: 'string' },
  weight: { type: 'string' },
  id: { type: 'string' },
  state: { type: 'string' },
  json: { type: 'boolean' },
} as const;

type Values = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
};

/** Compact age: `42s`, `7m`, `3h`, `5d`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** The `hosts list` table for a snapshot at time `now`. */
export function hostsTable(snapshot: FleetSnapshot, now: number): string {
  if (snapshot.hosts.length === 0) return `no hosts in pool ${snapshot.pool}\n`;
  const rows = [...snapshot.hosts]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((h) => [h.id, h.url, h.state, String(h.weight), formatAge(now - h.registeredAt), h.provider]);
  return `${table([['id', 'url', 'state', 'weight', 'age', 'provider'], ...rows])}\n`;
}

/** How long a `fleetgate hosts` call waits for Redis, failovers included. */
export const HOSTS_COMMAND_TIMEOUT_MS = 5000;

/** The registry and pool an operator command acts on: flags, then the config file, then the environment. */
export async function registryFromCli(
  values: Values,
  env: NodeJS.ProcessEnv,
): Promise<{ registry: HostRegistry; pool: string }> {
  const config = await loadConfig({ file: values.config, env });
  if (values.redis === undefined && config.registry.type !== 'redis') {
    throw new UsageError(
      'no shared registry given: use --redis redis://host:6379, --config FILE with registry.type: redis, or FLEETGATE_REDIS_URL',
    );
  }
  const options = registryOptionsFromConfig(
    config,
    {},
    // A quick answer when Redis is down, yet long enough to ride out a failover that promotes a
    // replica in a few seconds (a Sentinel or a Cluster with a node timeout of 1-2 s): calls retry
    // "not now" answers until this bound.
    {
      commandTimeoutMs: HOSTS_COMMAND_TIMEOUT_MS,
      ...(values.redis !== undefined ? { redisUrl: values.redis } : {}),
    },
  );
  return { registry: createRegistry(options), pool: values.pool ?? config.pool };
}

function defaultId(url: string): string {
  const u = new URL(url);
  return u.host;
}

function positionalOne(rest: string[], what: string, sub: string): string {
  if (rest.length !== 1) {
    throw new UsageError(
      `hosts ${sub} takes exactly one ${what}, got ${rest.length === 0 ? 'none' : rest.join(' ')}`,
    );
  }
  return rest[0]!;
}

async function act(sub: string, rest: string[], values: Values, io: CliIO): Promise<number> {
  const { registry, pool } = await registryFromCli(values, io.env);
  try {
    switch (sub) {
      case 'list': {
        const snapshot = await registry.list(pool);
        if (values.json) io.stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
        else io.stdout.write(hostsTable(snapshot, Date.now()));
        return 0;
      }
      case 'add': {
        const url = positionalOne(rest, 'URL', sub);
        let id: string;
        try {
          id = values.id ?? defaultId(url);
        } catch {
          throw new UsageError(
            `hosts add: URL must be an http(s) URL like http://10.0.0.5:9001, got "${url}"`,
          );
        }
        const host = await registry
          .register(pool, {
            id,
            url,
            state: (values.state as HostState | undefined) ?? 'active',
            weight: values.weight === undefined ? 1 : Number(values.weight),
            provider: 'manual',
          })
          .catch((error: unknown) => {
            // A host the registry refuses (bad URL, id or pool) is the operator's input: exit 2.
            if (error instanceof RegistryError && error.code === 'REGISTRY_INVALID_HOST') {
              throw new UsageError(`hosts add: ${error.message}`);
            }
            throw error;
          });
        io.stdout.write(
          `registered ${host.id} (${host.url}) in pool ${pool}: ${host.state}, weight ${host.weight}\n`,
        );
        return 0;
      }
      case 'drain':
      case 'activate': {
        const id = positionalOne(rest, 'host ID', sub);
        const state: HostState = sub === 'drain' ? 'draining' : 'active';
        const host = await registry.setState(pool, id, state);
        if (!host) {
          io.stderr.write(`fleetgate hosts ${sub}: no host "${id}" in pool ${pool}\n`);
          return 1;
        }
        io.stdout.write(`${host.id} in pool ${pool} is now ${host.state}\n`);
        return 0;
      }
      case 'remove': {
        const id = positionalOne(rest, 'host ID', sub);
        if (!(await registry.deregister(pool, id))) {
          io.stderr.write(`fleetgate hosts remove: no host "${id}" in pool ${pool}\n`);
          return 1;
        }
        io.stdout.write(`removed ${id} from pool ${pool}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown hosts command "${sub}" (use list, add, drain, activate or remove)`);
    }
  } finally {
    await registry.close();
  }
}

function checkValues(sub: string, values: Values): void {
  const onlyFor: Array<[keyof Values, string]> = [
    ['weight', 'add'],
    ['id', 'add'],
    ['state', 'add'],
    ['json', 'list'],
  ];
  for (const [name, allowed] of onlyFor) {
    if (values[name] !== undefined && sub !== allowed)
      throw new UsageError(`--${name} only applies to hosts ${allowed}`);
  }
  if (values.weight !== undefined) {
    const w = Number(values.weight);
    if (values.weight.trim() === '' || !Number.isFinite(w) || w <= 0) {
      throw new UsageError(`--weight must be a number > 0, got "${values.weight}"`);
    }
  }
  if (values.state !== undefined && !HOST_STATES.includes(values.state as HostState)) {
    throw new UsageError(`--state must be one of ${HOST_STATES.join(', ')}, got "${values.state}"`);
  }
}

/** `fleetgate hosts list|add|drain|activate|remove`: the operator's view of the registry. */
export const hostsCommand: Command = {
  summary: 'List, add, drain and remove executor hosts in a Redis registry',
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS);
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const [sub, ...rest] = positionals;
    if (sub === undefined)
      throw new UsageError(`missing command (use list, add, drain, activate or remove)\n\n${HELP}`);
    if (sub === 'list' && rest.length > 0)
      throw new UsageError(`hosts list takes no arguments, got ${rest.join(' ')}`);
    if (!['list', 'add', 'drain', 'activate', 'remove'].includes(sub)) {
      throw new UsageError(`unknown hosts command "${sub}" (use list, add, drain, activate or remove)`);
    }
    checkValues(sub, values);
    return act(sub, rest, values, io);
  },
};
