/**
 * The gateway's settings as plain data (all durations in milliseconds, sizes in bytes). The CLI maps
 * the loaded configuration (YAML + `OPR_PROXY_*`) onto this, so the gateway does not depend on the
 * config module and tests build it from literals.
 */
export interface GatewayOptions {
  /** Address to listen on. */
  host: string;
  port: number;
  /**
   * Secret clients present as `Authorization: Bearer <secret>`. Empty rejects every client, as
   * open-runtimes/proxy does: a gateway never runs open by accident.
   */
  secret: string;
  /** Secret sent to executors as `Authorization: Bearer <executorSecret>`. */
  executorSecret: string;
  /** Static hosts (`host[:port]` or URLs), e.g. from `OPR_PROXY_EXECUTORS`; seeded as active. */
  executors: string[];
  healthCheck: {
    /** Active probe interval per healthy host (open-runtimes/proxy: 10 s; Fleetgate: 5 s). */
    interval: number;
    /** Probe timeout. */
    timeout: number;
    /** Consecutive connect failures/timeouts that eject a host. */
    ejectAfter: number;
    /** Probing an ejected host backs off from `min` doubling to `max`. */
    probeBackoff: { min: number; max: number };
  };
  /** Per-request upstream timeout (`OPR_PROXY_MAX_TIMEOUT` semantics): 504 past it. */
  maxTimeout: number;
  /** Request body limit: 413 past it (the executor's own limit is 22 MiB). */
  bodyLimit: number;
  /** `c` of the bounded-load cap ceil(c × (total + 1) / hosts). */
  loadFactor: number;
  /** The bounded-load cap never drops below this many in flight per host. */
  loadFloor: number;
  boundedLoads: boolean;
  warmPreference: boolean;
  /** Extra tries on the next candidate after a connect failure (nothing sent). */
  retries: number;
  /** Add `x-fleetgate-host` to forwarded responses. */
  hostHeader: boolean;
  /**
   * Requests without a runtime key: `p2c` (power of two choices on in-flight counts, the default) or
   * open-runtimes/proxy's `OPR_PROXY_ALGORITHM` (`random`, `round-robin`, `first`, `last`).
   */
  algorithm: string;
  /** open-runtimes/proxy `OPR_PROXY_ENV`: `development` adds error detail to 5xx bodies. */
  env: string;
  placement: {
    /** LRU bound of the runtime → hosts map. */
    maxEntries: number;
    /** Interval of the `GET /v1/runtimes` resync per host; 0 disables it. */
    resyncInterval: number;
  };
  /** Per-host timeout of a broadcast. */
  broadcastTimeout: number;
  /** Server: time a client gets to send its request headers (slowloris). */
  headersTimeout: number;
  /** Server: time a client gets to send its whole request, body included (slow bodies). */
  requestTimeout: number;
  /** How long in-flight requests may take to finish after SIGTERM. */
  shutdownTimeout: number;
  /** Periodic full reload of the registry (pub/sub can drop messages). */
  registryReloadInterval: number;
  /** How long `/readyz` stays 200 while the registry is unreachable and the gateway routes on its last view. */
  registryGrace: number;
  /** Bearer token for `/metrics`; empty leaves it open. */
  metricsToken: string;
  /** Bearer token that also opens `/v1/fleet` (besides the gateway secret); empty: secret only. */
  adminToken: string;
  /** Version reported in error bodies. */
  version: string;
}

/** Defaults: the open-runtimes/proxy values where it has one, else the reasoned Fleetgate default. */
export const DEFAULT_GATEWAY_OPTIONS: GatewayOptions = Object.freeze({
  host: '0.0.0.0',
  port: 80,
  secret: '',
  executorSecret: '',
  executors: [],
  healthCheck: { interval: 5_000, timeout: 2_000, ejectAfter: 3, probeBackoff: { min: 1_000, max: 30_000 } },
  maxTimeout: 900_000,
  bodyLimit: 22 * 1024 * 1024,
  loadFactor: 1.25,
  loadFloor: 4,
  boundedLoads: true,
  warmPreference: true,
  retries: 2,
  hostHeader: true,
  algorithm: 'p2c',
  env: 'production',
  placement: { maxEntries: 100_000, resyncInterval: 30_000 },
  broadcastTimeout: 30_000,
  headersTimeout: 30_000,
  requestTimeout: 300_000,
  shutdownTimeout: 30_000,
  registryReloadInterval: 30_000,
  registryGrace: 60_000,
  metricsToken: '',
  adminToken: '',
  version: '0.1.0',
}) as GatewayOptions;

/** A partial set of options; nested groups may be partial too. */
export type GatewayOptionsInput = Partial<Omit<GatewayOptions, 'healthCheck' | 'placement'>> & {
  healthCheck?: Partial<Omit<GatewayOptions['healthCheck'], 'probeBackoff'>> & {
    probeBackoff?: Partial<GatewayOptions['healthCheck']['probeBackoff']>;
  };
  placement?: Partial<GatewayOptions['placement']>;
};

/** Fills the defaults in and returns a frozen copy. */
export function resolveGatewayOptions(input: GatewayOptionsInput = {}): GatewayOptions {
  const d = DEFAULT_GATEWAY_OPTIONS;
  const hc = input.healthCheck ?? {};
  const out: GatewayOptions = {
    ...d,
    ...stripUndefined(input),
    healthCheck: {
      ...d.healthCheck,
      ...stripUndefined(hc),
      probeBackoff: { ...d.healthCheck.probeBackoff, ...stripUndefined(hc.probeBackoff ?? {}) },
    },
    placement: { ...d.placement, ...stripUndefined(input.placement ?? {}) },
  };
  return Object.freeze(out);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
