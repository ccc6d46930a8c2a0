import type { Clock } from '../../lib/clock.ts';
import type { SourceConfig } from '../policy/shell-schema.ts';
import { SourceConfigError } from './auth.ts';
import { createGatewaySource } from './gateway.ts';
import { createPrometheusSource } from './prometheus.ts';
import type { MetricSource } from './types.ts';

/** What building a source from a policy needs besides the policy. */
export interface SourceContext {
  clock: Clock;
  env?: NodeJS.ProcessEnv;
  /** The gateways of the embedding process, used when `source.gateway.urls` is empty (`fleetgate dev`). */
  gatewayUrls?: string[];
}

/** Builds the policy's metric source (`prometheus` or `gateway`); throws SourceConfigError naming the field. */
export function createSource(config: SourceConfig, context: SourceContext): MetricSource {
  const env = context.env ?? process.env;
  if ('prometheus' in config && config.prometheus) {
    const p = config.prometheus;
    return createPrometheusSource({
      url: p.url,
      timeoutMs: p.timeout,
      method: p.method,
      auth: p.auth,
      maxAgeMs: p.maxAge,
      clock: context.clock,
      env,
    });
  }
  const g = 'gateway' in config ? config.gateway : undefined;
  if (!g) throw new SourceConfigError('source: must be { prometheus: {...} } or { gateway: {...} }');
  const urls = g.urls.length > 0 ? [...g.urls] : (context.gatewayUrls ?? []);
  if (urls.length === 0) {
    throw new SourceConfigError(
      'source.gateway.urls: list the gateways to scrape (it may only be empty inside `fleetgate dev`)',
    );
  }
  return createGatewaySource({ urls, timeoutMs: g.timeout, auth: g.auth, clock: context.clock, env });
}
