import { z } from 'zod';
import { parseDistribution } from '../../executor/distribution.ts';
import { DEFAULT_DOCKER_SOCKET } from '../../lib/docker/defaults.ts';
import { durationSchema, sizeSchema } from '../duration.ts';
import { bindHostSchema, portSchema, secretSchema } from './common.ts';

/** A duration distribution in milliseconds: `250`, `uniform:100:500`, `exponential:200`, `lognormal:300:0.5`. */
const distributionSchema = z
  .string({ error: 'must be a string' })
  .superRefine((text, ctx) => {
    try {
      parseDistribution(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  })
  .meta({ kind: 'distribution' });

/** `PATTERN=COMMAND`: a command template for the images matching PATTERN (`*` matches anything). */
const runtimeCommandSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[^=\s]+=\S.*$/, 'must be PATTERN=COMMAND, e.g. "openruntimes/python:*=python3 server.py"')
  .meta({ kind: 'PATTERN=COMMAND' });

const simulatedSchema = z
  .strictObject({
    coldStart: distributionSchema.default('250').describe('Simulated cold start (ms).'),
    execution: distributionSchema
      .default('20')
      .describe('Simulated execution time (ms) unless the request sends `x-sim-duration-ms`.'),
    concurrency: z
      .number()
      .int()
      .min(1)
      .default(8)
      .describe('Executions one simulated runtime runs at once; more wait for a slot.'),
    // Roomy enough that the runtime cap (100 × 512 MB) binds first unless a benchmark lowers it.
    memory: z
      .number()
      .int()
      .min(1)
      .default(65_536)
      .describe('Simulated host memory (MB): runtimes are evicted (LRU) to keep their memory under it.'),
    seed: z.number().int().min(0).default(1).describe('Seed of the simulated distributions.'),
  })
  .prefault({})
  .describe('`simulated` mode: the model of cold starts and executions.');

const dockerSchema = z
  .strictObject({
    socket: z
      .string()
      .min(1, 'must not be empty')
      .default(DEFAULT_DOCKER_SOCKET)
      .describe("`docker` mode: the Docker engine's unix socket."),
    network: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'must be host, bridge or a network name')
      .default('host')
      .describe(
        "`docker` mode: network of runtime containers. `host`: each runtime listens on a free host port given in `PORT`; any other (`bridge`, a user network): on `runtimePort` at the container's address, which this executor must reach.",
      ),
    runtimePort: portSchema
      .default(3000)
      .describe(
        '`docker` mode: port runtimes listen on inside their container (not on the host network); 3000 for `openruntimes/*` images.',
      ),
    labelPrefix: z
      .string()
      .regex(/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/, 'must be lower-case words joined by . or -')
      .default('fleetgate')
      .describe(
        '`docker` mode: prefix of the labels on runtime containers (`<prefix>.executor`, `<prefix>.runtime-id`, `<prefix>.role`).',
      ),
    owner: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.:-]*$/, 'must be letters, digits and _ . : -')
      .optional()
      .describe(
        '`docker` mode: value of the `<prefix>.executor` label; on start the executor removes every container carrying it (left by a crash). Default `<machine hostname>-<port>` (`-<pid>` with port 0). Give executors sharing an engine different owners.',
      ),
    pidsLimit: z
      .number()
      .int()
      .min(8, 'must be at least 8')
      .default(256)
      .describe(
        '`docker` mode: most processes and threads in one runtime container (a fork bomb stops there).',
      ),
  })
  .prefault({})
  .describe('`docker` mode: runtimes as containers through the Docker Engine API.');

/** The `executor` section: the local executor that speaks the Open Runtimes executor API. */
export const executorSchema = z
  .strictObject({
    host: bindHostSchema.default('127.0.0.1').describe('Address the local executor listens on.'),
    port: portSchema
      .default(9900)
      .describe('Port the local executor listens on (0: any free port); `PORT` also sets it, `--port` wins.'),
    secret: secretSchema
      .optional()
      .describe('Clients (the gateway) must send `Authorization: Bearer <secret>`.'),
    mode: z
      .enum(['process', 'docker', 'simulated'])
      .default('process')
      .describe(
        '`process`: runtimes are child processes; `docker`: containers through the Docker Engine API (`executor.docker`); `simulated`: timers model cold start and execution.',
      ),
    runtimeCommands: z
      .array(runtimeCommandSchema)
      .prefault([])
      .describe(
        'Command templates `PATTERN=COMMAND` per image pattern, first match wins, before the built-in Node runtime for `openruntimes/node:*` and `node*`. Placeholders: `{runtimeServer}`, `{entrypoint}`, `{port}`, `{source}`, `{logsDir}`.',
      ),
    runtimeEnv: z
      .array(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\*?$/, 'must be a variable name, or a prefix ending in *'),
      )
      .prefault([])
      .describe(
        "Names of the executor's environment variables every runtime inherits besides `PATH` and `HOME` (`PREFIX*` for a prefix); `FLEETGATE_*` and `OPR_*` never pass.",
      ),
    runtimeVersions: z
      .array(z.string().min(1))
      .min(1, 'must name at least one version')
      .prefault(['v5'])
      .describe('Runtime `version` values a create or execution may ask for.'),
    hostname: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe('Name this executor reports in runtime objects (default: `executor-<pid>`).'),
    sourceRoot: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe('`source` paths must be inside this folder (default: the current directory).'),
    workDir: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe('Where extracted sources and runtime logs go (default: a temporary folder).'),
    // The real executor keeps build caches in shared storage (OPR_EXECUTOR_CONNECTION_BUILD_CACHE_STORAGE).
    buildCacheDir: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe(
        'Where build caches are kept, one folder per `cacheKey` (default: `<workDir>/build-cache`); executors behind one gateway share hits when they share this folder (e.g. a network mount).',
      ),
    // Open Runtimes: OPR_EXECUTOR_INACTIVE_THRESHOLD, 60 s.
    inactiveThreshold: durationSchema.prefault('60s').describe('Runtimes idle this long are removed.'),
    // Real executors sweep hourly (OPR_EXECUTOR_MAINTENANCE_INTERVAL); a local fleet wants reaping visible.
    maintenanceInterval: durationSchema
      .prefault('10s')
      .describe('Period of the sweep that removes idle runtimes and enforces `maxRuntimes`.'),
    maxRuntimes: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe('Warm runtimes kept; the least recently used idle one is evicted past it.'),
    drainTimeout: durationSchema
      .prefault('30s')
      .describe('On SIGTERM, how long to wait for executions in flight before stopping runtimes.'),
    // The real executor: curl's timeout is the execution's timeout + 5 s.
    executionGrace: durationSchema
      .prefault('5s')
      .describe("How long past an execution's `timeout` to wait for the runtime's own answer."),
    legacyHealth: z
      .boolean()
      .default(false)
      .describe('Answer `/v1/health` with the pre-0.17 JSON `{status, usage, runtimes}`.'),
    // The real executor's limit: 22 MiB (20 MiB body + multipart overhead).
    bodyLimit: sizeSchema.prefault('22MiB').describe('Largest request body accepted.'),
    // Open Runtimes caps a deployment at 30 MB compressed; unpacked code is rarely more than a few times that.
    maxSourceSize: sizeSchema.prefault('512MiB').describe('Most one `.tar.gz` source may unpack to.'),
    simulated: simulatedSchema,
    docker: dockerSchema,
    buildWorkers: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be between 1 and 64')
      .max(64, 'must be between 1 and 64')
      .default(2)
      .describe(
        'Builds (creates with a `command`) this executor runs at once; more wait in the build queue, so a burst of builds does not starve executions.',
      ),
    buildQueue: z
      .number()
      .int('must be a whole number')
      .min(0, 'must be between 0 and 10000')
      .max(10_000, 'must be between 0 and 10000')
      .default(64)
      .describe('Builds that may wait for a build worker; one more is refused with 503 `build_queue_full`.'),
  })
  .prefault({})
  .describe('The local executor (`fleetgate executor`).');
