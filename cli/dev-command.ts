import { randomBytes } from 'node:crypto';
import { relative } from 'node:path';
import { parseDuration } from '../config/duration.ts';
import { DEFAULT_DOCKER_SOCKET } from '../lib/docker/index.ts';
import { UsageError } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { redactUrl } from '../lib/redact.ts';
import { readRedisUrl } from '../registry/redis-url.ts';
import { parseCommandArgs, parsePortOption } from './args.ts';
import { devBanner } from './dev/banner.ts';
import { startDisplay } from './dev/display.ts';
import type { DevDockerOptions } from './dev/docker-hosts.ts';
import { takeSample } from './dev/sample.ts';
import { DEFAULT_POLICY, executorLogDir, REPO_ROOT, startDev } from './dev/start-dev.ts';
import type { CliIO, Command } from './io.ts';
import { nextSignal } from './signals.ts';

const HELP = `Usage: fleetgate dev [options]

Everything on this machine in one command (what \`npm start\` runs): an in-memory host registry,
a gateway, a scaler running the example policy (gateway metrics, process provider) and its local
executor processes. Prints where everything listens, the secret and two curl commands to try, then a
live status (in place on a terminal, one line every --status-every otherwise). Ctrl-C or SIGTERM
drains and stops every process it started.

Options:
  --port P             Gateway port (default 8080; 0 = any free port)
  --host ADDR          Gateway address (default 127.0.0.1)
  --secret S           Gateway secret (env FLEETGATE_GATEWAY_SECRET or OPR_PROXY_SECRET; default: generated)
  --redis URL          Use this Redis as the registry instead of the in-memory one (env FLEETGATE_REDIS_URL);
                       dev then takes the policy pool's scaler leader lock and will not start while
                       another scaler (or dev) leads that pool
  --policy FILE        Scaling policy (default scaler/policy/examples/default.yaml)
  --executors N        Executors to start with (default: the policy's provider.executors)
  --mode M             Executor runtimes: process (default), simulated, or with --docker
                       docker (the default with --docker)
  --docker             Executor hosts as containers of --image on a Docker engine (the docker
                       provider, host network), instead of local processes; hosts.min to start with;
                       their runtimes are containers too (executor --mode docker) unless --mode
                       process or simulated
  --image IMAGE        The Fleetgate image for --docker (default fleetgate:local: docker build -t fleetgate:local .)
  --docker-socket P    The engine's socket for --docker (default: DOCKER_HOST if unix://, else /var/run/docker.sock)
  --runtime-image IMG  The runtime image the sample create names with --docker: runtimes are containers
                       of it, run by the executor containers through the mounted socket; it must be
                       on the engine (default openruntimes/node:v5-22: docker pull it)
  --status-every D     Status line period when stdout is not a terminal (default 10s)
  --log-level L        Log level of the JSON logs on stderr (default warn)
  -h, --help           Show this help
`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  secret: { type: 'string' },
  redis: { type: 'string' },
  policy: { type: 'string' },
  executors: { type: 'string' },
  mode: { type: 'string' },
  docker: { type: 'boolean' },
  image: { type: 'string' },
  'docker-socket': { type: 'string' },
  'runtime-image': { type: 'string' },
  'status-every': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

function wholeNumber(raw: string | undefined, name: string, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

/** `--docker`'s engine and image, from the options and `DOCKER_HOST` (a unix:// one). */
function devDockerOptions(
  values: { image?: string; 'docker-socket'?: string; 'runtime-image'?: string },
  env: NodeJS.ProcessEnv,
): DevDockerOptions {
  const fromEnv = env.DOCKER_HOST?.startsWith('unix://')
    ? env.DOCKER_HOST.slice('unix://'.length)
    : undefined;
  return {
    socket: values['docker-socket'] ?? fromEnv ?? DEFAULT_DOCKER_SOCKET,
    image: values.image ?? 'fleetgate:local',
    runtimeImage: values['runtime-image'] ?? SAMPLE_RUNTIME_IMAGE,
  };
}

/** The image the banner's sample create names (a real Open Runtimes Node image). */
const SAMPLE_RUNTIME_IMAGE = 'openruntimes/node:v5-22';

/** SIGHUP too: the terminal running dev was closed. */
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** `fleetgate dev`: the embedded default, a whole local fleet in one process tree. */
export const devCommand: Command = {
  summary: 'Run a local fleet: gateway, scaler and executors, in-memory registry (npm start)',
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parseCommandArgs(argv, OPTIONS, false);
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const mode = values.mode ?? (values.docker ? 'docker' : 'process');
    if (mode !== 'process' && mode !== 'simulated' && !(mode === 'docker' && values.docker)) {
      throw new UsageError(
        `--mode must be process or simulated${values.docker ? ' or docker' : ''}, got "${mode}"${mode === 'docker' ? ' (docker runtimes need --docker)' : ''}`,
      );
    }
    const statusEvery = parseDuration(values['status-every'] ?? '10s');
    if (!statusEvery.ok || statusEvery.value <= 0) {
      throw new UsageError(`--status-every ${statusEvery.ok ? 'must be > 0' : statusEvery.message}`);
    }
    const redisUrl = values.redis ?? io.env.FLEETGATE_REDIS_URL;
    if (redisUrl !== undefined) {
      // The registry's own grammar; dev runs on one Redis, not a Cluster. Shown redacted: it may hold a password.
      const target = readRedisUrl(redisUrl);
      if ('error' in target || target.kind !== 'standalone') {
        const why = 'error' in target ? ` (${target.error})` : '';
        throw new UsageError(
          `--redis must be a redis:// or rediss:// URL${why}, got "${redactUrl(redisUrl)}"`,
        );
      }
    }
    const secret =
      values.secret ??
      io.env.FLEETGATE_GATEWAY_SECRET ??
      io.env.OPR_PROXY_SECRET ??
      randomBytes(12).toString('hex');
    const logger = createLogger({
      name: 'fleetgate-dev',
      level: values['log-level'] ?? 'warn',
      destination: io.stderr,
    });
    const signal = nextSignal(SIGNALS);
    try {
      const policyFile = values.policy ?? DEFAULT_POLICY;
      const options = {
        host: values.host ?? '127.0.0.1',
        port: values.port === undefined ? 8080 : parsePortOption(values.port),
        secret,
        // Executors only ever see the gateway, so their secret never needs to be typed: generate it.
        executorSecret: randomBytes(16).toString('hex'),
        policyFile,
        executors: wholeNumber(values.executors, 'executors', 0, 64),
        executorMode: mode,
        logger,
        readyTimeoutMs: 90_000,
        executorLogDir: executorLogDir(),
        ...(values.docker ? { docker: devDockerOptions(values, io.env) } : {}),
      } as const;
      const started = startDev(redisUrl === undefined ? options : { ...options, redisUrl });
      // A signal while starting still stops whatever started.
      const first = await Promise.race([started.then(() => undefined), signal.promise]);
      const fleet = await started;
      if (first !== undefined) {
        await fleet.stop();
        return 0;
      }
      const p = fleet.policy;
      const target = p.metrics.map((m) => `${m.name} ${m.target.value} ${m.target.type}`).join(', ');
      io.stdout.write(
        devBanner({
          gatewayUrl: fleet.gatewayUrl,
          secret,
          registry: redisUrl === undefined ? 'in-memory' : redactUrl(redisUrl),
          policy: `${relative(REPO_ROOT, policyFile) || policyFile}: ${p.hosts.min}–${p.hosts.max} hosts, ${target}, every ${p.interval / 1000}s`,
          executors: fleet.initialExecutors,
          executorMode: mode,
          executorLogs: options.executorLogDir,
          ...(options.docker ? { containerImage: options.docker.image } : {}),
          functionDir: `${REPO_ROOT.replace(/\/$/, '')}/examples/functions/hello`,
          entrypoint: 'index.mjs',
          image: options.docker?.runtimeImage ?? SAMPLE_RUNTIME_IMAGE,
          runtimeId: 'hello',
        }),
      );
      const display = startDisplay({
        out: io.stdout,
        tty: (io.stdout as { isTTY?: boolean }).isTTY === true,
        refreshMs: 1_000,
        logEveryMs: statusEvery.value,
        sample: () =>
          takeSample({
            gateway: fleet.gateway,
            gatewayMetrics: fleet.gatewayMetrics,
            registry: fleet.registry,
            pool: p.pool,
            desired: fleet.desired,
            now: () => performance.now(),
          }),
      });
      const received = await signal.promise;
      await display.stop();
      io.stdout.write(`\n${received}: draining the gateway and stopping every executor…\n`);
      await fleet.stop();
      io.stdout.write('stopped\n');
      return 0;
    } finally {
      signal.dispose();
    }
  },
};
