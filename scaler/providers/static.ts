import { executorUrl } from '../../lib/executor-url.ts';
import type { Logger } from '../../lib/logger.ts';
import { type CreateContext, type HostProvider, ProviderError, type ProvisionedHost } from './types.ts';

/** Options of the static provider. */
export interface StaticProviderOptions {
  /** Pre-provisioned executor base URLs, handed out in this order. */
  hosts: string[];
  logger: Logger;
}

/** The id of a static host: its `host:port` (stable whichever scaler registers it). */
export function staticHostId(url: string): string {
  const u = new URL(url);
  return u.port ? `${u.hostname}:${u.port}` : u.host;
}

/**
 * A fixed list of pre-provisioned hosts: scale-up registers the next one that is not in the pool
 * yet, scale-down drains one and gives it back. Nothing is started or stopped, so `destroy` only
 * forgets the host; `close` does nothing.
 *
 * Parallel creates see one `inUse` set that grows only once a create resolved (the loop registers
 * the host then), so a host handed out stays reserved here until a later create sees it in `inUse`
 * (registered: `inUse` covers it from then on) or it is destroyed (given back, or never registered).
 */
export function createStaticProvider(options: StaticProviderOptions): HostProvider {
  // Normalised by the one executor URL grammar, as the registry will store it (the policy schema checked it).
  const hosts = options.hosts.map((url) => ({
    id: staticHostId(url),
    url: executorUrl(url, { bare: false }) ?? url,
  }));
  const log = options.logger.child({ component: 'provider', provider: 'static' });
  const handedOut = new Set<string>();
  return {
    kind: 'static',
    async create({ inUse }: CreateContext): Promise<ProvisionedHost> {
      for (const id of handedOut) if (inUse.has(id)) handedOut.delete(id);
      const next = hosts.find((h) => !inUse.has(h.id) && !handedOut.has(h.id));
      if (!next) {
        throw new ProviderError(
          'PROVIDER_EXHAUSTED',
          `every one of the ${hosts.length} static hosts is already in the pool`,
        );
      }
      handedOut.add(next.id);
      log.info({ host: next.id }, 'static host handed out');
      return { ...next, labels: {} };
    },
    async destroy(host: ProvisionedHost): Promise<void> {
      handedOut.delete(host.id);
      log.info({ host: host.id }, 'static host given back');
    },
    async exists(host: ProvisionedHost) {
      return hosts.some((h) => h.id === host.id) ? undefined : false;
    },
    async close() {},
  };
}
