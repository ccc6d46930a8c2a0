import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../config/load.ts';
import { parsePolicies } from '../../scaler/policy/parse.ts';
import { knownMetricNames, referencedMetrics } from './promql.ts';
import { shippedPrometheusConfig } from './stack.ts';

/**
 * There is no Docker engine here: this checks what can be checked without one. The compose file's
 * structure and every reference in it (services, networks, volumes, mounted files, ports, secrets),
 * that the Fleetgate processes accept their environment and the mounted policy, that Prometheus
 * scrapes the compose services on their ports, and the Dockerfile's shape (stages, user, healthcheck,
 * copied paths).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(ROOT + path, 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  container_name?: string;
  hostname?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  networks?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
interface Compose {
  name?: string;
  services: Record<string, Service>;
  networks: Record<string, { name?: string }>;
  volumes: Record<string, unknown>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;
const services = Object.entries(compose.services);
const named = (prefix: string) => services.filter(([n]) => n.startsWith(prefix));

/** `${VAR:?msg}`, `${VAR:-default}` and `${VAR}` as compose interpolates them, from `env`. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (op === '?') throw new Error(`${name} is required: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

const ENV = {
  FLEETGATE_GATEWAY_SECRET: 'g-secret',
  FLEETGATE_EXECUTOR_SECRET: 'e-secret',
  GRAFANA_ADMIN_PASSWORD: 'pw',
};
const envOf = (s: Service) =>
  Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), ENV)]));

describe('docker-compose.yml', () => {
  it('runs Redis, Prometheus, Grafana, gateways, a scaler and openruntimes/executor hosts', () => {
    // No top-level name (Compose v1 rejects it): the project name comes from .env.
    expect(compose.name).toBeUndefined();
    expect(read('compose/env.example')).toContain('COMPOSE_PROJECT_NAME=fleetgate');
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining([
        'redis',
        'prometheus',
        'grafana',
        'scaler',
        'gateway-1',
        'gateway-2',
        'executor-1',
      ]),
    );
    expect(named('executor-').length).toBeGreaterThanOrEqual(2);
    for (const [name, s] of named('executor-'))
      expect(s.image, name).toMatch(/^openruntimes\/executor:\d+\.\d+\.\d+$/);
    for (const [name, s] of [...named('gateway-'), ['scaler', compose.services.scaler!] as const]) {
      expect(s.image, name).toBe('fleetgate:local');
      expect(s.build, name).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    }
  });

  it.each(services)('%s: every image is pinned to a version', (_n, s) => {
    expect(s.image).toMatch(/:[\w.-]+$/);
    expect(s.image).not.toMatch(/:latest$/);
  });

  it.each(services)('%s: depends_on names existing services with valid conditions', (_n, s) => {
    for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
      expect(compose.services[dep], dep).toBeDefined();
      expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
      if (condition === 'service_healthy') expect(compose.services[dep]!.healthcheck, dep).toBeDefined();
    }
  });

  it.each(services)('%s: networks and named volumes are declared; mounted files exist', (_n, s) => {
    for (const net of s.networks ?? []) expect(compose.networks[net], net).toBeDefined();
    for (const volume of s.volumes ?? []) {
      const [source] = volume.split(':');
      if (source!.startsWith('./')) expect(existsSync(ROOT + source!.slice(2)), source).toBe(true);
      else if (!source!.startsWith('/')) expect(compose.volumes, source).toHaveProperty(source!);
    }
  });

  it('publishes every host port once', () => {
    const host = services.flatMap(([, s]) => (s.ports ?? []).map((p) => interpolate(p, ENV).split(':')[0]));
    expect(host.length).toBeGreaterThan(3);
    expect(new Set(host).size).toBe(host.length);
  });

  it('requires every secret from the environment and interpolates with them set', () => {
    const text = read('docker-compose.yml');
    for (const name of Object.keys(ENV)) expect(text).toContain(`\${${name}:?`);
    expect(() => interpolate(text, {})).toThrow(/is required/);
    expect(() => interpolate(text, ENV)).not.toThrow();
    expect(text).not.toMatch(/change-me/);
  });

  it.each(named('executor-'))(
    '%s: has what the executor image needs (socket, network, secret, name)',
    (_n, s) => {
      expect(s.container_name).toBe(s.hostname); // it finds its own container by hostname
      expect(s.volumes).toEqual(
        expect.arrayContaining(['/var/run/docker.sock:/var/run/docker.sock', '/tmp:/tmp:rw']),
      );
      const env = envOf(s);
      expect(env.OPR_EXECUTOR_SECRET).toBe(ENV.FLEETGATE_EXECUTOR_SECRET);
      expect(env.OPR_EXECUTOR_RUNTIME_VERSIONS).toBe('v5');
      const runtimeNetworks = Object.values(compose.networks).map((n) => n.name);
      expect(runtimeNetworks).toContain(env.OPR_EXECUTOR_NETWORK);
    },
  );

  it.each(named('gateway-'))('%s: its environment is a valid gateway configuration', async (_n, s) => {
    const config = await loadConfig({ env: envOf(s) });
    expect(config.registry.type).toBe('redis');
    expect(new URL(config.registry.url!).hostname).toBe('redis');
    expect(config.gateway.secret).toBe(ENV.FLEETGATE_GATEWAY_SECRET);
    // The gateway sends the executors' secret.
    expect(config.gateway.executorSecret).toBe(envOf(compose.services['executor-1']!).OPR_EXECUTOR_SECRET);
    expect(s.command).toEqual(['gateway']);
    expect(envOf(s).HEALTHCHECK_URL).toBe(`http://127.0.0.1:${config.gateway.port}/healthz`);
    expect(s.ports?.every((p) => p.endsWith(`:${config.gateway.port}`))).toBe(true);
  });

  it('scaler: valid configuration, and the mounted policy parses and names the executor hosts', async () => {
    const s = compose.services.scaler!;
    const config = await loadConfig({ env: envOf(s) });
    expect(envOf(s).HEALTHCHECK_URL).toBe(`http://127.0.0.1:${config.scaler.port}/healthz`);
    const mount = s.volumes!.find((v) => v.split(':')[1] === config.scaler.policyFile)!;
    expect(mount).toBeDefined();
    const [policy] = parsePolicies(read(mount.split(':')[0]!.slice(2)), 'compose/policy.yaml');
    expect(policy!.provider.type).toBe('static');
    const hosts = policy!.provider.type === 'static' ? policy!.provider.hosts : [];
    const executorNames = named('executor-').map(([, e]) => e.hostname);
    expect(hosts.map((h) => new URL(h).hostname).sort()).toEqual(executorNames.sort());
    expect(policy!.source.prometheus?.url).toBe('http://prometheus:9090');
    const known = knownMetricNames();
    for (const m of policy!.metrics)
      expect(referencedMetrics(m.query).filter((n) => !known.has(n))).toEqual([]);
  });

  it('Prometheus scrapes the compose services on their ports and loads the shipped files', () => {
    const prom = shippedPrometheusConfig();
    const targets = (job: string) =>
      prom.scrape_configs.find((j) => j.job_name === job)!.static_configs!.flatMap((c) => c.targets);
    const gatewayPort = envOf(compose.services['gateway-1']!).FLEETGATE_GATEWAY_PORT;
    expect(targets('fleetgate-gateway').sort()).toEqual(
      named('gateway-').map(([n]) => `${n}:${gatewayPort}`),
    );
    expect(targets('fleetgate-scaler')).toEqual([
      `scaler:${envOf(compose.services.scaler!).FLEETGATE_SCALER_PORT}`,
    ]);
    expect(compose.services.prometheus!.volumes).toContain('./metrics/prometheus:/etc/prometheus:ro');
    expect(compose.services.prometheus!.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
  });

  it('Grafana gets the shipped provisioning and dashboards where the provider looks', () => {
    const volumes = compose.services.grafana!.volumes!;
    expect(volumes).toContain('./metrics/grafana/provisioning:/etc/grafana/provisioning:ro');
    const provider = parse(read('metrics/grafana/provisioning/dashboards/fleetgate.yml')).providers[0];
    expect(volumes).toContain(`./metrics/grafana/dashboards:${provider.options.path}:ro`);
    const ds = parse(read('metrics/grafana/provisioning/datasources/prometheus.yml')).datasources[0];
    expect(new URL(ds.url).hostname).toBe('prometheus');
  });
});

describe('Dockerfile', () => {
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages = lines.filter((l) => /^FROM /i.test(l));
  const finalStage = lines.slice(lines.lastIndexOf(stages.at(-1)!));

  it('is multi-stage on a base given as a build argument (Node 20 by default)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s).toMatch(/^FROM \$\{NODE_IMAGE\} AS \w+$/);
    expect(lines.find((l) => l.startsWith('ARG NODE_IMAGE='))).toMatch(/=node:20\./);
    expect(finalStage.some((l) => /^COPY --from=build .*node_modules/.test(l))).toBe(true);
  });

  it('runs compiled JavaScript as a non-root user, with a healthcheck', () => {
    const user = finalStage.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBe('USER 1000:1000');
    expect(finalStage.some((l) => l.startsWith('HEALTHCHECK ') && l.includes('HEALTHCHECK_URL'))).toBe(true);
    expect(finalStage).toContain('ENTRYPOINT ["node", "dist/cli/entry.js"]');
    expect(finalStage.some((l) => /^COPY --from=build .*dist/.test(l))).toBe(true);
    // The build stage prunes the dev dependencies (tsx, TypeScript) before the copy.
    expect(lines.some((l) => l.includes('npm prune --omit=dev'))).toBe(true);
  });

  it('copies only paths that exist and are not ignored, and everything the CLI imports', () => {
    const copied = lines
      .filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
      .flatMap((l) =>
        l
          .replace(/--chown=\S+ /, '')
          .split(/\s+/)
          .slice(1, -1),
      );
    for (const path of copied) expect(existsSync(ROOT + path), path).toBe(true);
    const ignored = read('.dockerignore').split('\n');
    for (const path of copied) expect(ignored, path).not.toContain(path);
    for (const needed of [
      'scripts/build.mjs',
      'cli',
      'config',
      'gateway',
      'scaler',
      'registry',
      'executor',
      'metrics',
      'lib',
    ]) {
      expect(copied).toContain(needed);
    }
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.git', '.env', 'test']));
  });
});
