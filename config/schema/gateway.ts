import { z } from 'zod';
import { parseWarmWindow } from '../../lib/warm-window.ts';
import { durationSchema, sizeSchema } from '../duration.ts';
import { bindHostSchema, executorAddressSchema, portSchema, secretSchema } from './common.ts';

const healthCheckSchema = z
  .strictObject({
    // open-runtimes/proxy's OPR_PROXY_HEALTHCHECK_INTERVAL defaults to 10000 ms.
    interval: durationSchema
      .prefault('10s')
      .describe('Period of the active `GET /v1/health` probe per host.'),
    timeout: durationSchema.prefault('2s').describe('Timeout of one health probe.'),
    ejectAfter: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe('Consecutive failures (probes or connect errors) that eject a host.'),
    probeBackoff: z
      .strictObject({
        min: durationSchema.prefault('1s').describe('First retry delay for an ejected host.'),
        max: durationSchema.prefault('30s').describe('Longest retry delay for an ejected host.'),
      })
      .refine((b) => b.min <= b.max, { message: 'min must not exceed max', path: ['min'] })
      .prefault({})
      .describe('Exponential backoff between probes of an ejected host.'),
    // open-runtimes/proxy: OPR_PROXY_HEALTHCHECK_URL, fetched after a check with every executor online.
    url: z
      .string()
      .regex(/^https?:\/\/[^\s/]+\S*$/, 'must be an http:// or https:// URL')
      .optional()
      .describe(
        "Fetched with `GET` after each health check in which every executor host was healthy (at most once per `interval`), e.g. an uptime monitor's heartbeat URL.",
      ),
  })
  .prefault({})
  .describe('Active and passive health checking of executor hosts.');

const placementSchema = z
  .strictObject({
    maxEntries: z
      .number()
      .int()
      .min(1)
      .default(100_000)
      .describe('Most runtime → host entries kept in the warm-placement map (oldest evicted first).'),
    resyncInterval: durationSchema
      .prefault('30s')
      .describe('Period of the `GET /v1/runtimes` resynchronisation per host.'),
  })
  .prefault({})
  .describe('Where runtimes are warm, learned from routed requests.');

const activatorSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Create a cold runtime before its execution: an execution whose runtime is not known warm on any active host, and whose body carries `image` (and the other runtime fields), is held while the gateway sends `POST /v1/runtimes` to the picked host, once per runtime id for all concurrent first calls; the execution then gets its whole timeout.',
      ),
    holdWhenNoHosts: z
      .boolean()
      .default(false)
      .describe(
        'Hold requests while the pool has no active host (scale from zero): the held demand is exported as `fleetgate_gateway_held_requests{reason="no-hosts"}` for the scaler, and the requests go to the first host that becomes active.',
      ),
    // A process or container host boots in seconds; a cloud VM in a minute or two.
    holdTimeout: durationSchema
      .prefault('60s')
      .describe(
        'Longest hold of one request (waiting for a host, then for its runtime to be created); past it a request waiting for a host is answered 503 `no_hosts` with `Retry-After`.',
      ),
    queue: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe(
        'Requests held for one runtime id (per reason); the next is answered 429 `cold_start_queue_full` with `Retry-After`.',
      ),
    maxHeld: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe('Requests held in all; the next is answered 503 `hold_limit` with `Retry-After`.'),
    retryAfter: durationSchema
      .prefault('1s')
      .describe('The `Retry-After` sent with a refused hold (rounded up to whole seconds).'),
  })
  .prefault({})
  .describe('The runtime activator: holds requests while a runtime is created or a host boots.');

const pinSchema = z
  .strictObject({
    pattern: z
      .string()
      .min(1, 'must not be empty')
      .max(128)
      .describe('Runtime ids the rule applies to: `*` any run of characters, `?` one character.'),
    alwaysWarm: z.boolean().default(false).describe('Keep these runtimes warm whatever their history.'),
    maxIdle: durationSchema
      .optional()
      .describe(
        'Never keep them warm longer than this after their last call (outside `minWarm` and `windows`).',
      ),
    minWarm: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(0)
      .describe(
        'Keep this many of the matching runtimes (the most recently called) warm at all times: never deleted, re-created on their ring owner when reaped.',
      ),
    windows: z
      .array(
        z.string().superRefine((text, ctx) => {
          const w = parseWarmWindow(text);
          if (typeof w === 'string') ctx.addIssue({ code: 'custom', message: w, input: text });
        }),
      )
      .prefault([])
      .describe(
        'Always-warm windows, `[DAYS ]HH:MM-HH:MM` in UTC (e.g. `Mon-Fri 08:00-18:00`, `22:00-02:00`): matching runtimes seen before are kept warm inside them.',
      ),
  })
  .describe('A keep-warm rule; the first rule whose pattern matches a runtime id applies.');

const keepWarmSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        "Runtime lifetime owned by the gateway (needs `activator.enabled` to pre-warm): learn each runtime's idle times, pre-warm it on its ring owner before its next call is due and delete it once the policy no longer wants it.",
      ),
    tick: durationSchema.prefault('1s').describe('Period of the keep-warm pass over the runtimes.'),
    // Shahrad et al., "Serverless in the Wild" (ATC 2020): 1-minute bins over 4 hours.
    binWidth: durationSchema.prefault('1m').describe('Width of one bin of the idle-time histogram.'),
    bins: z.number().int().min(2).max(10_000).default(240).describe('Bins of the idle-time histogram.'),
    headPercentile: z
      .number()
      .min(0)
      .max(100)
      .default(5)
      .describe('Pre-warm shortly before this percentile of the idle times.'),
    tailPercentile: z
      .number()
      .min(0)
      .max(100)
      .default(99)
      .describe('Keep warm until this percentile of the idle times.'),
    margin: z.number().min(0).max(1).default(0.1).describe('Safety margin on both windows (a fraction).'),
    minSamples: z
      .number()
      .int()
      .min(1)
      // bench:keep-warm tuned it on trace minutes 0–239 and checked it on 240–479 and on the first hour:
      // fewer idle times needed cost fewer cold starts and less memory in every part (3 < 5 < 10 < 20).
      .default(3)
      .describe('Idle times needed before the histogram is used.'),
    minCv: z
      .number()
      .min(0)
      .default(2)
      .describe(
        'The histogram is used only when its bin counts vary at least this much (coefficient of variation).',
      ),
    maxOutOfBounds: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe("Share of idle times longer than the histogram's range above which it is not used."),
    fixedKeepAlive: durationSchema
      .prefault('10m')
      .describe('Keep-alive after the last call while the histogram is not used.'),
    // The executors' default inactivity threshold (open-runtimes/executor: 60 s), applied per copy.
    surplusIdle: durationSchema
      .prefault('1m')
      .describe(
        'A runtime the policy wants warm on more hosts than the pick sends it to (an overflow copy, the old copy after a move) loses each extra copy that has served no call for this long, while no call of it runs.',
      ),
    learnSurplus: z
      .boolean()
      .default(true)
      .describe(
        "Keep a runtime's surplus copies up to `tailPercentile` (+ `margin`) of the gaps between its overflow episodes (calls a copy past the preferred ones answered), learned in a histogram like the idle times once `minSamples` gaps are known, at most `maxOutOfBounds` past its range; `surplusIdle` until then.",
      ),
    maxRuntimes: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .describe('Runtimes whose history is kept (the least recently called dropped first).'),
    warmBudget: z
      .number()
      .int()
      .min(0)
      .default(1_000)
      .describe('No pre-warm while the runtimes known warm over every host reach this many.'),
    hostRuntimeLimit: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe(
        "No pre-warm while every active host holds this many runtimes (the executors' `maxRuntimes`).",
      ),
    deleteIdle: z
      .boolean()
      .default(true)
      .describe(
        'Delete runtimes the policy no longer wants (executors can then keep a long inactivity threshold).',
      ),
    handoff: z
      .boolean()
      .default(true)
      .describe(
        'Warm handoff: a runtime the policy wants warm whose ring owner is now another host (a host joined) is created there first; the balancer moves it once it is warm there. (The wanted runtimes of a drained or departed host are pre-warmed on their next owners whatever this says: no active host has them.)',
      ),
    pins: z.array(pinSchema).prefault([]).describe('Keep-warm rules by runtime id.'),
    forecast: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            'Forecast the next idle time of runtimes too rare for the histogram (fewer than `minSamples` idle times, or most past its range): pre-warm shortly before the shortest of their recent idle times and keep until just after the longest (each widened by `margin`), instead of the fixed keep-alive.',
          ),
        samples: z
          .number()
          .int()
          .min(2)
          .max(32)
          .default(8)
          .describe('Recent idle times the forecast looks at.'),
        minSamples: z
          .number()
          .int()
          .min(2)
          .max(32)
          .default(3)
          .describe('Idle times needed before a forecast.'),
        maxWindow: durationSchema
          .prefault('30m')
          .describe('A forecast whose warm window is wider than this is not used (the fixed keep-alive is).'),
      })
      .prefault({})
      .describe('The time-series forecast for rare runtimes.'),
    leaseTtl: durationSchema
      .prefault('10s')
      .describe(
        "With a Redis registry: lease of the pool's keep-warm keeper, the one gateway that pre-warms and deletes (the others send it their calls, batched every `tick`); another gateway takes over within this when it stops renewing.",
      ),
    sharedBatches: z
      .number()
      .int()
      .min(10)
      .max(1_000_000)
      .default(10_000)
      .describe(
        "With a Redis registry: batches of call observations kept in the pool's shared log (a new gateway or keeper reads them back at start).",
      ),
    timeScale: z
      .number()
      .min(1)
      .max(3600)
      .default(1)
      .describe(
        "Keep-warm's clock runs this many times faster: `binWidth`, `fixedKeepAlive`, `surplusIdle`, `tick` (not below 10 ms) and the pins' `maxIdle` are divided by it, so a trace replayed 60× faster keeps one bin per trace minute (the routing benchmark sets 60). The pins' `windows` stay on the wall clock.",
      ),
  })
  .superRefine((k, ctx) => {
    if (k.headPercentile > k.tailPercentile) {
      ctx.addIssue({
        code: 'custom',
        path: ['headPercentile'],
        message: `must not exceed tailPercentile (${k.tailPercentile})`,
        input: k.headPercentile,
      });
    }
  })
  .prefault({})
  .describe('Predictive keep-warm: the hybrid histogram policy per runtime.');

/** The `gateway` section: the HTTP front door that clients talk to. */
export const gatewaySchema = z
  .strictObject({
    host: bindHostSchema.default('0.0.0.0').describe('Address to listen on.'),
    // open-runtimes/proxy listens on PORT, default 80.
    port: portSchema.default(80).describe('Port to listen on.'),
    secret: secretSchema
      .optional()
      .describe('Clients must send `Authorization: Bearer <secret>`; required to start the gateway.'),
    executorSecret: secretSchema
      .optional()
      .describe('Sent to executors as `Authorization: Bearer <executorSecret>`.'),
    executors: z
      .array(executorAddressSchema)
      .prefault([])
      .describe('Static executor hosts (`host[:port]` or `http(s)://` URL), registered at start.'),
    healthCheck: healthCheckSchema,
    // open-runtimes/proxy: OPR_PROXY_MAX_TIMEOUT, 900 s in its code.
    maxTimeout: durationSchema
      .prefault('900s')
      .describe(
        'Total time one forwarded request may take, response body included; a log stream may stay open longer while bytes keep coming, and is cut after this long without one.',
      ),
    // The executor's own body limit is 22 MiB; past it the gateway answers 413.
    bodyLimit: sizeSchema.prefault('22MiB').describe('Largest request body accepted.'),
    // Bounded loads, c = 1.25 (Mirrokni, Thorup & Zadimoghaddam 2016; HAProxy hash-balance-factor 125).
    loadFactor: z
      .number()
      .min(1, 'must be ≥ 1')
      .default(1.25)
      .describe(
        'Bounded-load factor c: a host takes at most max(ceil(c × (in-flight + 1) / hosts), `loadFloor`).',
      ),
    // A cold start costs seconds; below a few requests per host there is no balance worth one.
    loadFloor: z
      .number()
      .int()
      .min(1, 'must be ≥ 1')
      .default(4)
      .describe('The bounded-load cap never drops below this many requests in flight per host.'),
    boundedLoads: z.boolean().default(true).describe('Apply the bounded-load cap to runtime-aware picks.'),
    // Issue 19: an overflow copy costs a cold start; a busy warm host with free executor slots costs no wait.
    warmSlots: z
      .number()
      .int()
      .min(0, 'must be ≥ 0')
      .default(0)
      .describe(
        "The executor's per-runtime concurrency: a runtime warm only on hosts at the bounded-load cap still goes to the first of them with fewer than this many of its requests in flight (from this gateway), not to a cold copy elsewhere. `0`: off (the cap alone decides).",
      ),
    // Popularity-aware replication (issue 15); 8 is the simulated executor's per-runtime concurrency.
    replicaCapacity: z
      .number()
      .int()
      .min(0, 'must be ≥ 0')
      .default(0)
      .describe(
        "Requests in flight one host gives one runtime (its executor slots); an owner takes this much of a runtime's demand (half the bounded-load cap if less, above the floor), and demand past r owners' worth gets r + 1 (the first hosts of its rendezvous order). `0`: off.",
      ),
    maxReplicas: z.number().int().min(1, 'must be ≥ 1').default(16).describe('Most owners of one runtime.'),
    replicaWindow: durationSchema
      .prefault('2s')
      .describe(
        "Time constant of a runtime's demand average (requests in flight) that sets its owner count.",
      ),
    replicaTable: z
      .number()
      .int()
      .min(1, 'must be ≥ 1')
      .default(1024)
      .describe(
        'Most runtimes whose demand is tracked at once (the busiest win a place); the rest have one owner.',
      ),
    warmPreference: z
      .boolean()
      .default(true)
      .describe('Prefer a host where the runtime is known to be warm.'),
    retries: z
      .number()
      .int()
      .min(0)
      .default(2)
      .describe('Further hosts tried after a connect failure (never after the request was sent).'),
    hostHeader: z
      .boolean()
      .default(true)
      .describe('Add the `x-fleetgate-host` response header naming the host that served.'),
    algorithm: z
      .enum(['random', 'round-robin', 'first', 'last'])
      .optional()
      .describe(
        'Legacy `OPR_PROXY_ALGORITHM` for requests without a runtime key; unset means power of two choices.',
      ),
    env: z
      .enum(['production', 'development'])
      .default('production')
      .describe('`OPR_PROXY_ENV`; `development` adds error detail to responses.'),
    placement: placementSchema,
    activator: activatorSchema,
    keepWarm: keepWarmSchema,
    broadcastTimeout: durationSchema.prefault('10s').describe('Per-host timeout of a broadcast request.'),
    // Slowloris bound on the client side; upstream waits are bounded by maxTimeout.
    headersTimeout: durationSchema
      .prefault('10s')
      .describe('Time a client has to send its request headers (then Node answers 408 and closes).'),
    // Node's own default (http.Server requestTimeout) is 300 s.
    requestTimeout: durationSchema
      .prefault('300s')
      .describe(
        'Time a client has to send its whole request, headers and body (then 408 and close); `0` turns it off.',
      ),
    shutdownTimeout: durationSchema
      .prefault('30s')
      .describe('On SIGTERM, how long in-flight requests may finish.'),
    // The RegistryStale alert's bound (metrics/prometheus/rules/alerts.yml: stale_seconds > 60): readiness
    // drops when an operator is paged anyway, and a Sentinel failover (default down-after 30 s) or a
    // Cluster failover fits inside it. Every gateway shares the registry, so dropping earlier takes the
    // whole tier out of the load balancer together while it still routes correctly on its last view.
    registryGrace: durationSchema
      .prefault('60s')
      .describe(
        'How long `/readyz` stays 200 while the registry is unreachable (routing goes on with the last fleet view, `registry_stale_seconds` grows); past it `/readyz` answers 503.',
      ),
    metricsToken: secretSchema
      .optional()
      .describe('When set, `/metrics` requires `Authorization: Bearer <metricsToken>`.'),
    adminToken: secretSchema
      .optional()
      .describe(
        "When set, enables the admin routes with this bearer token; the scaler's `/explain` requires it.",
      ),
  })
  .superRefine((g, ctx) => {
    // Node refuses a server whose headersTimeout exceeds a non-zero requestTimeout.
    if (g.requestTimeout !== 0 && g.requestTimeout < g.headersTimeout) {
      ctx.addIssue({
        code: 'custom',
        path: ['requestTimeout'],
        message: `must be 0 or at least headersTimeout (${g.headersTimeout} ms)`,
        input: g.requestTimeout,
      });
    }
  })
  .prefault({})
  .describe('The gateway: the HTTP endpoint clients talk to instead of one executor.');
