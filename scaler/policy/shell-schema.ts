/**
 * The parts of a policy only the I/O shell reads: where metric queries go (`source`) and what
 * starts and stops hosts (`provider`). Kept apart from the evaluation fields so the shell's owner
 * can grow them without touching the pure core.
 */
import { z } from 'zod';
import { durationSchema, sizeSchema } from '../../config/duration.ts';
import { parseExecutorUrl } from '../../lib/executor-url.ts';

const positiveDuration = durationSchema.refine((ms) => ms > 0, { message: 'must be longer than 0' });
/** A static host's URL: the one executor URL grammar (`lib/executor-url.ts`), scheme required. */
const executorUrlSchema = z.string({ error: 'must be a string' }).superRefine((text, ctx) => {
  const result = parseExecutorUrl(text, { bare: false });
  if (!result.ok) ctx.addIssue({ code: 'custom', message: result.reason, input: text });
});
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' });

/** Credentials by environment variable name, never inline (see scaler/sources/auth.ts). */
const authSchema = z.union(
  [
    z
      .object({
        bearerTokenEnv: z
          .string()
          .min(1)
          .describe('Bearer auth: the environment variable holding the token.'),
      })
      .strict(),
    z
      .object({
        usernameEnv: z
          .string()
          .min(1)
          .describe('Basic auth: the environment variable holding the user name.'),
        passwordEnv: z.string().min(1).describe('Basic auth: the environment variable holding the password.'),
      })
      .strict(),
  ],
  { error: 'must be { bearerTokenEnv } or { usernameEnv, passwordEnv }' },
);

const prometheusSchema = z
  .object({
    url: httpUrl.default('http://127.0.0.1:9090').describe('Base URL of the Prometheus server.'),
    timeout: positiveDuration.prefault('5s').describe('Timeout of one query.'),
    method: z.enum(['GET', 'POST']).default('GET').describe('HTTP method of `/api/v1/query`.'),
    auth: authSchema.optional().describe('Credentials, by environment variable name (never inline).'),
    /** A sample older than this is stale (no data); 0 disables the check. */
    maxAge: durationSchema
      .prefault('60s')
      .describe('A sample older than this reads as no data (`stale`); 0 turns the check off.'),
  })
  .strict()
  .describe('PromQL instant queries against a Prometheus server.');

const gatewaySourceSchema = z
  .object({
    /** Gateway base URLs to scrape; empty means the gateways of the embedding process (`fleetgate dev`). */
    urls: z
      .array(httpUrl)
      .default([])
      .describe('Gateway base URLs to scrape; empty: the gateways of the same process (`fleetgate dev`).'),
    timeout: positiveDuration.prefault('5s').describe('Timeout of one scrape.'),
    auth: authSchema
      .optional()
      .describe('Credentials for `/metrics` (`gateway.metricsToken`), by environment variable name.'),
  })
  .strict()
  .describe("Scrape the gateways' `/metrics` and compute the query in process (no Prometheus).");

/** Where metric queries go: exactly one of `prometheus` or `gateway` (check with `'gateway' in source`). */
export const sourceSchema = z
  .object({ prometheus: prometheusSchema.optional(), gateway: gatewaySourceSchema.optional() })
  .strict()
  .refine((s) => (s.prometheus === undefined) !== (s.gateway === undefined), {
    message: 'must hold exactly one of prometheus or gateway',
  });

/** A `docker` provider: each executor host is one container. */
const dockerProvider = z
  .object({
    type: z.literal('docker'),
    /** The executor image (never pulled: it must be in the engine's store). */
    image: z
      .string()
      .min(1, 'must not be empty')
      .describe(
        '`docker`, `swarm`: the executor image, e.g. `fleetgate:local` or `openruntimes/executor:0.27.0` (never pulled).',
      ),
    command: z
      .array(z.string())
      .optional()
      .describe(
        "`docker`, `swarm`: the container command (the image's CMD when absent), e.g. `[executor]`; `{host}` in an argument stands for the host id.",
      ),
    socket: z
      .string()
      .min(1, 'must not be empty')
      .default('/var/run/docker.sock')
      .describe("`docker`, `swarm`: the Docker engine's unix socket."),
    network: z
      .string()
      .min(1, 'must not be empty')
      .default('host')
      .describe(
        "`docker`, `swarm`: `host` (the provider picks a free port and passes it in `portEnv`; URL `127.0.0.1:port`) or a network name (URL: the container's address on it, port `port`).",
      ),
    port: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be between 1 and 65535')
      .max(65535, 'must be between 1 and 65535')
      .default(80)
      .describe(
        "`docker`, `swarm`: the executor's port inside the container on a named network (80 for openruntimes/executor).",
      ),
    portEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .default('FLEETGATE_EXECUTOR_PORT')
      .describe('`docker`, `swarm`, host network: the variable that tells the executor its port.'),
    secretEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .default('OPR_EXECUTOR_SECRET')
      .describe('`docker`, `swarm`: the variable that carries the executor secret into the container.'),
    env: z
      .record(z.string(), z.string())
      .default({})
      .describe(
        '`docker`, `swarm`: more environment for the container (never a secret: it is readable through the engine).',
      ),
    mounts: z
      .array(z.string().regex(/^\/[^:]*:\/[^:]*(:ro|:rw)?$/, 'must be /source:/target or /source:/target:ro'))
      .default([])
      .describe(
        '`docker`, `swarm`: bind mounts `/source:/target[:ro]`, e.g. the docker socket for openruntimes/executor.',
      ),
    groups: z
      .array(z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a group name or a numeric gid'))
      .default([])
      .describe(
        "`docker`, `swarm`: more groups of the container's user, e.g. the docker socket's gid so a non-root executor may use a mounted socket.",
      ),
    labels: z
      .record(z.string(), z.string())
      .default({})
      .describe("`docker`, `swarm`: more container labels (the provider's own `fleetgate.*` labels win)."),
    cpus: z
      .number()
      .positive('must be more than 0')
      .optional()
      .describe('`docker`, `swarm`: CPU limit (cores).'),
    memory: sizeSchema
      .optional()
      .describe('`docker`, `swarm`: memory limit, e.g. `512MiB` (swap limited to the same).'),
    pids: z
      .number()
      .int('must be a whole number')
      .positive('must be more than 0')
      .optional()
      .describe('`docker`, `swarm`: process limit of the container.'),
    readyTimeout: positiveDuration
      .prefault('60s')
      .describe(
        "`docker`, `swarm`: how long a create waits for the executor's `/v1/health` before it fails.",
      ),
    stopTimeout: positiveDuration
      .prefault('30s')
      .describe(
        '`docker`, `swarm`: how long a stop waits after the stop signal before the engine kills the container.',
      ),
  })
  .strict();

/**
 * A `swarm` provider: each executor host is one replicated service of one replica, so removing a
 * host removes exactly the task the scaler drained. The same fields as `docker`, for the service's
 * task; the engine must be a swarm manager.
 */
const swarmProvider = dockerProvider.extend({ type: z.literal('swarm') });

/** What starts and stops hosts. */
export const providerSchema = z.discriminatedUnion(
  'type',
  [
    z
      .object({
        type: z
          .literal('static')
          .describe('The provider: `static`, `process`, `command`, `docker` or `swarm`.'),
        /** Pre-provisioned executor base URLs, activated in order. */
        hosts: z
          .array(executorUrlSchema)
          .min(1, 'needs at least one host URL')
          .describe('`static`: pre-provisioned executor base URLs, activated in order.'),
      })
      .strict(),
    z
      .object({
        type: z.literal('process'),
        /** Local executor processes to run when the pool starts (before the first tick). */
        executors: z
          .number()
          .int('must be a whole number')
          .min(0, 'must be ≥ 0')
          .default(1)
          .describe('`process`: local executor processes started before the first tick.'),
      })
      .strict(),
    z
      .object({
        type: z.literal('command'),
        /** Shell command that creates a host and prints its base URL on stdout. */
        create: z
          .string()
          .min(1, 'must not be empty')
          .describe('`command`: shell command that creates a host and prints its base URL last on stdout.'),
        /** Shell command that destroys a host (its id and URL are in the environment). */
        destroy: z
          .string()
          .min(1, 'must not be empty')
          .describe('`command`: shell command that destroys a host (id and URL in its environment).'),
        timeout: positiveDuration.prefault('120s').describe('`command`: a command running longer fails.'),
      })
      .strict(),
    dockerProvider,
    swarmProvider,
  ],
  { error: 'type must be static, process, command, docker or swarm' },
);

/** A provider's validated configuration. */
export type ProviderConfig = z.output<typeof providerSchema>;
/** A source's validated configuration. */
export type SourceConfig = z.output<typeof sourceSchema>;
