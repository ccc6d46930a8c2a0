import type { z } from 'zod';
import type { DeepReadonly } from '../config/freeze.ts';
import { gatewaySchema } from '../config/schema/gateway.ts';
import { registrySchema } from '../config/schema/registry.ts';
import { packageVersion } from '../lib/version.ts';

/** The config's `gateway` section as parsed: durations in ms, sizes in bytes, executors as URLs. */
type GatewayConfig = z.output<typeof gatewaySchema>;

/**
 * The gateway's settings as plain data: the config's `gateway` section (config/schema/gateway.ts
 * holds every field's meaning and default, the one table of defaults), with the optional secrets
 * as strings (empty: unset) and two values from elsewhere. Embedded and test gateways build it
 * from literals over the same defaults as the CLI gateway (`DEFAULT_GATEWAY_OPTIONS`).
 */
export type GatewayOptions = Omit<
  GatewayConfig,
  'secret' | 'executorSecret' | 'metricsToken' | 'adminToken' | 'algorithm'
> & {
  /**
   * Secret clients present as `Authorization: Bearer <secret>`. Empty rejects every client, as
   * open-runtimes/proxy does: a gateway never runs open by accident.
   */
  secret: string;
  /** Secret sent to executors as `Authorization: Bearer <executorSecret>`; empty sends none. */
  executorSecret: string;
  /** Bearer token for `/metrics`; empty leaves it open. */
  metricsToken: string;
  /** Bearer token that also opens `/v1/fleet` (besides the gateway secret); empty: secret only. */
  adminToken: string;
  /**
   * Requests without a runtime key: `p2c` (power of two choices on in-flight counts, the default) or
   * open-runtimes/proxy's `OPR_PROXY_ALGORITHM` (`random`, `round-robin`, `first`, `last`).
   */
  algorithm: string;
  /** Periodic full reload of the registry (`registry.reloadInterval`: pub/sub can drop messages). */
  registryReloadInterval: number;
  /** Version reported in error bodies. */
  version: string;
};

/** What `gatewayOptionsFromConfig` reads: a parsed config, or one section of it. */
export interface GatewayConfigSource {
  gateway: DeepReadonly<GatewayConfig>;
  registry: { readonly reloadInterval: number };
}

/** The gateway's options from a parsed configuration (YAML + `OPR_PROXY_*`), durations in ms. */
export function gatewayOptionsFromConfig(
  config: GatewayConfigSource,
  version = packageVersion(),
): GatewayOptions {
  const { secret, executorSecret, metricsToken, adminToken, algorithm, ...g } = config.gateway;
  return {
    ...g,
    executors: [...g.executors],
    healthCheck: { ...g.healthCheck, probeBackoff: { ...g.healthCheck.probeBackoff } },
    placement: { ...g.placement },
    activator: { ...g.activator },
    keepWarm: { ...g.keepWarm, pins: g.keepWarm.pins.map((p) => ({ ...p, windows: [...p.windows] })) },
    secret: secret ?? '',
    executorSecret: executorSecret ?? '',
    metricsToken: metricsToken ?? '',
    adminToken: adminToken ?? '',
    algorithm: algorithm ?? 'p2c',
    registryReloadInterval: config.registry.reloadInterval,
    version,
  };
}

/** The defaults: the config schema's, so an embedded gateway runs as `fleetgate gateway` with no config. */
export const DEFAULT_GATEWAY_OPTIONS: GatewayOptions = Object.freeze(
  gatewayOptionsFromConfig({
    gateway: gatewaySchema.parse(undefined),
    registry: registrySchema.parse(undefined),
  }),
);

/** A partial set of options; nested groups may be partial too. */
export type GatewayOptionsInput = Partial<
  Omit<GatewayOptions, 'healthCheck' | 'placement' | 'activator' | 'keepWarm'>
> & {
  healthCheck?: Partial<Omit<GatewayOptions['healthCheck'], 'probeBackoff'>> & {
    probeBackoff?: Partial<GatewayOptions['healthCheck']['probeBackoff']>;
  };
  placement?: Partial<GatewayOptions['placement']>;
  activator?: Partial<GatewayOptions['activator']>;
  keepWarm?: Partial<GatewayOptions['keepWarm']>;
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
    activator: { ...d.activator, ...stripUndefined(input.activator ?? {}) },
    keepWarm: { ...d.keepWarm, ...stripUndefined(input.keepWarm ?? {}) },
  };
  return Object.freeze(out);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
