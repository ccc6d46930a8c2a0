import { parseHostPort } from './addresses.ts';
import { type DurationUnit, parseDuration, parseSize } from './duration.ts';

/** How an environment variable's text becomes a config value. */
export type EnvKind =
  | 'string'
  | 'integer'
  | 'boolean'
  | 'size'
  | 'hostList'
  | 'stringList'
  | 'redisUrl'
  | { duration: DurationUnit | undefined };

/** One environment variable and the config field it sets. */
export interface EnvMapping {
  env: string;
  path: readonly string[];
  kind: EnvKind;
  /** Shown in the README reference. */
  note?: string;
}

const requireUnit = { duration: undefined } as const;

/**
 * Every environment variable Fleetgate reads, in the order they are applied: open-runtimes/proxy's
 * `OPR_PROXY_*` first (drop-in compatibility), then Fleetgate's own `FLEETGATE_*`, which win when
 * both name the same field. An empty variable counts as unset.
 */
export const ENV_MAPPINGS: readonly EnvMapping[] = [
  {
    env: 'OPR_PROXY_EXECUTORS',
    path: ['gateway', 'executors'],
    kind: 'hostList',
    note: 'comma list of host[:port]',
  },
  { env: 'OPR_PROXY_SECRET', path: ['gateway', 'secret'], kind: 'string' },
  { env: 'OPR_PROXY_EXECUTOR_SECRET', path: ['gateway', 'executorSecret'], kind: 'string' },
  {
    env: 'OPR_PROXY_HEALTHCHECK_INTERVAL',
    path: ['gateway', 'healthCheck', 'interval'],
    kind: { duration: 'ms' },
    note: 'ms',
  },
  { env: 'OPR_PROXY_HEALTHCHECK_URL', path: ['gateway', 'healthCheck', 'url'], kind: 'string' },
  { env: 'OPR_PROXY_MAX_TIMEOUT', path: ['gateway', 'maxTimeout'], kind: { duration: 's' }, note: 's' },
  {
    env: 'OPR_PROXY_CONNECTIONS_STATE',
    path: ['registry', 'url'],
    kind: 'redisUrl',
    note: 'also sets registry.type=redis',
  },
  { env: 'OPR_PROXY_ALGORITHM', path: ['gateway', 'algorithm'], kind: 'string' },
  { env: 'OPR_PROXY_ENV', path: ['gateway', 'env'], kind: 'string' },
  { env: 'PORT', path: ['gateway', 'port'], kind: 'integer' },
  // open-runtimes/executor's own variables, for `fleetgate executor` (FLEETGATE_EXECUTOR_* win).
  { env: 'OPR_EXECUTOR_SECRET', path: ['executor', 'secret'], kind: 'string' },
  {
    env: 'OPR_EXECUTOR_INACTIVE_THRESHOLD',
    path: ['executor', 'inactiveThreshold'],
    kind: { duration: 's' },
    note: 's',
  },
  {
    env: 'OPR_EXECUTOR_MAINTENANCE_INTERVAL',
    path: ['executor', 'maintenanceInterval'],
    kind: { duration: 's' },
    note: 's',
  },
  {
    env: 'OPR_EXECUTOR_RUNTIME_VERSIONS',
    path: ['executor', 'runtimeVersions'],
    kind: 'stringList',
    note: 'comma list',
  },
  { env: 'FLEETGATE_POOL', path: ['pool'], kind: 'string' },
  { env: 'FLEETGATE_LOG_LEVEL', path: ['log', 'level'], kind: 'string' },
  { env: 'FLEETGATE_REGISTRY_TYPE', path: ['registry', 'type'], kind: 'string' },
  {
    env: 'FLEETGATE_REDIS_URL',
    path: ['registry', 'url'],
    kind: 'redisUrl',
    note: 'also sets registry.type=redis',
  },
  { env: 'FLEETGATE_REDIS_USERNAME', path: ['registry', 'username'], kind: 'string' },
  { env: 'FLEETGATE_REDIS_PASSWORD', path: ['registry', 'password'], kind: 'string' },
  { env: 'FLEETGATE_KEY_PREFIX', path: ['registry', 'keyPrefix'], kind: 'string' },
  { env: 'FLEETGATE_REDIS_TLS_CA_FILE', path: ['registry', 'tlsCaFile'], kind: 'string' },
  { env: 'FLEETGATE_GATEWAY_HOST', path: ['gateway', 'host'], kind: 'string' },
  { env: 'FLEETGATE_GATEWAY_PORT', path: ['gateway', 'port'], kind: 'integer' },
  { env: 'FLEETGATE_GATEWAY_SECRET', path: ['gateway', 'secret'], kind: 'string' },
  { env: 'FLEETGATE_GATEWAY_EXECUTOR_SECRET', path: ['gateway', 'executorSecret'], kind: 'string' },
  { env: 'FLEETGATE_EXECUTORS', path: ['gateway', 'executors'], kind: 'hostList', note: 'comma list' },
  { env: 'FLEETGATE_MAX_TIMEOUT', path: ['gateway', 'maxTimeout'], kind: requireUnit },
  { env: 'FLEETGATE_BODY_LIMIT', path: ['gateway', 'bodyLimit'], kind: 'size' },
  { env: 'FLEETGATE_HOST_HEADER', path: ['gateway', 'hostHeader'], kind: 'boolean' },
  { env: 'FLEETGATE_METRICS_TOKEN', path: ['gateway', 'metricsToken'], kind: 'string' },
  { env: 'FLEETGATE_ADMIN_TOKEN', path: ['gateway', 'adminToken'], kind: 'string' },
  { env: 'FLEETGATE_SCALER_HOST', path: ['scaler', 'host'], kind: 'string' },
  { env: 'FLEETGATE_SCALER_PORT', path: ['scaler', 'port'], kind: 'integer' },
  { env: 'FLEETGATE_POLICY_FILE', path: ['scaler', 'policyFile'], kind: 'string' },
  { env: 'FLEETGATE_EXECUTOR_HOST', path: ['executor', 'host'], kind: 'string' },
  { env: 'FLEETGATE_EXECUTOR_PORT', path: ['executor', 'port'], kind: 'integer' },
  { env: 'FLEETGATE_EXECUTOR_SECRET', path: ['executor', 'secret'], kind: 'string' },
  { env: 'FLEETGATE_EXECUTOR_MODE', path: ['executor', 'mode'], kind: 'string' },
  { env: 'FLEETGATE_EXECUTOR_HOSTNAME', path: ['executor', 'hostname'], kind: 'string' },
  { env: 'FLEETGATE_EXECUTOR_SOURCE_ROOT', path: ['executor', 'sourceRoot'], kind: 'string' },
  { env: 'FLEETGATE_EXECUTOR_WORK_DIR', path: ['executor', 'workDir'], kind: 'string' },
  { env: 'FLEETGATE_EXECUTOR_BUILD_CACHE_DIR', path: ['executor', 'buildCacheDir'], kind: 'string' },
  {
    env: 'FLEETGATE_EXECUTOR_INACTIVE_THRESHOLD',
    path: ['executor', 'inactiveThreshold'],
    kind: requireUnit,
  },
  {
    env: 'FLEETGATE_EXECUTOR_MAINTENANCE_INTERVAL',
    path: ['executor', 'maintenanceInterval'],
    kind: requireUnit,
  },
  { env: 'FLEETGATE_EXECUTOR_MAX_RUNTIMES', path: ['executor', 'maxRuntimes'], kind: 'integer' },
  { env: 'FLEETGATE_EXECUTOR_DRAIN_TIMEOUT', path: ['executor', 'drainTimeout'], kind: requireUnit },
  { env: 'FLEETGATE_EXECUTOR_EXECUTION_GRACE', path: ['executor', 'executionGrace'], kind: requireUnit },
  { env: 'FLEETGATE_EXECUTOR_LEGACY_HEALTH', path: ['executor', 'legacyHealth'], kind: 'boolean' },
  { env: 'FLEETGATE_EXECUTOR_BODY_LIMIT', path: ['executor', 'bodyLimit'], kind: 'size' },
  { env: 'FLEETGATE_EXECUTOR_MAX_SOURCE_SIZE', path: ['executor', 'maxSourceSize'], kind: 'size' },
  {
    env: 'FLEETGATE_EXECUTOR_RUNTIME_ENV',
    path: ['executor', 'runtimeEnv'],
    kind: 'stringList',
    note: 'comma list',
  },
  {
    env: 'FLEETGATE_EXECUTOR_RUNTIME_VERSIONS',
    path: ['executor', 'runtimeVersions'],
    kind: 'stringList',
    note: 'comma list',
  },
  { env: 'FLEETGATE_EXECUTOR_BUILD_WORKERS', path: ['executor', 'buildWorkers'], kind: 'integer' },
  { env: 'FLEETGATE_EXECUTOR_BUILD_QUEUE', path: ['executor', 'buildQueue'], kind: 'integer' },
  { env: 'FLEETGATE_EXECUTOR_DOCKER_SOCKET', path: ['executor', 'docker', 'socket'], kind: 'string' },
  { env: 'FLEETGATE_EXECUTOR_DOCKER_NETWORK', path: ['executor', 'docker', 'network'], kind: 'string' },
  { env: 'FLEETGATE_EXECUTOR_DOCKER_OWNER', path: ['executor', 'docker', 'owner'], kind: 'string' },
];

/** A value taken from the environment, to be placed at `path` in the raw config. */
export interface EnvOverride {
  path: readonly (string | number)[];
  value: unknown;
  env: string;
}

/** An environment variable whose text could not be read; `value` is omitted for secrets. */
export interface EnvIssue {
  env: string;
  path: readonly string[];
  message: string;
}

/** The overrides the environment asks for, and the variables that were malformed. */
export interface EnvResult {
  overrides: EnvOverride[];
  issues: EnvIssue[];
}

function convert(kind: EnvKind, text: string): { value: unknown } | { message: string } {
  if (typeof kind === 'object') {
    const parsed = parseDuration(text, kind.duration);
    return parsed.ok ? { value: parsed.value } : { message: parsed.message };
  }
  switch (kind) {
    case 'string':
    case 'redisUrl':
      return { value: text };
    case 'integer':
      return /^\d+$/.test(text.trim())
        ? { value: Number(text.trim()) }
        : { message: `must be a whole number, got ${JSON.stringify(text)}` };
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(text.trim())) return { value: true };
      if (/^(false|0|no|off)$/i.test(text.trim())) return { value: false };
      return { message: `must be true or false, got ${JSON.stringify(text)}` };
    case 'size': {
      const parsed = parseSize(text);
      return parsed.ok ? { value: parsed.value } : { message: parsed.message };
    }
    case 'stringList':
      return {
        value: text
          .split(',')
          .map((e) => e.trim())
          .filter((e) => e !== ''),
      };
    case 'hostList': {
      const entries = text
        .split(',')
        .map((e) => e.trim())
        .filter((e) => e !== '');
      const bad = entries.filter((e) => parseHostPort(e) === undefined);
      if (bad.length > 0) {
        return {
          message: `entries must be host[:port] without a scheme; not valid: ${bad.map((b) => JSON.stringify(b)).join(', ')}`,
        };
      }
      return { value: entries };
    }
  }
}

/**
 * Reads the `OPR_PROXY_*` and `FLEETGATE_*` variables in `ENV_MAPPINGS` from `env`. Pure: values are
 * converted (durations with their implied unit, host lists split and checked) but not validated
 * against the schema; that happens once, together with the file.
 */
export function readEnvOverrides(env: Readonly<Record<string, string | undefined>>): EnvResult {
  const overrides: EnvOverride[] = [];
  const issues: EnvIssue[] = [];
  for (const mapping of ENV_MAPPINGS) {
    const text = env[mapping.env];
    if (text === undefined || text === '') continue;
    const converted = convert(mapping.kind, text);
    if ('message' in converted) {
      issues.push({ env: mapping.env, path: mapping.path, message: converted.message });
      continue;
    }
    if (mapping.kind === 'redisUrl') {
      overrides.push({ path: ['registry', 'type'], value: 'redis', env: mapping.env });
    }
    overrides.push({ path: mapping.path, value: converted.value, env: mapping.env });
  }
  return { overrides, issues };
}
