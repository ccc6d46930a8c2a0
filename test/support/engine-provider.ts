import { createServer, type Server } from 'node:net';
import { expect } from 'vitest';
import { freePort } from '../../lib/free-port.ts';
import { silentLogger } from '../../lib/logger.ts';
import { providerSchema } from '../../scaler/policy/shell-schema.ts';
import type { EngineProviderOptions, ListingHostProvider } from '../../scaler/providers/engine-host.ts';
import type { ProvisionedHost } from '../../scaler/providers/types.ts';
import { TEST_LIMITS } from './docker.ts';
import { TEST_FLEETGATE_IMAGE } from './fleetgate-image.ts';

// What the docker and swarm provider tests share: their configuration, the restarted-scaler case
// and the taken-port case, each against the provider's own engine.

/** A `type` provider of the Fleetgate image with the test limits, on `socket`; `overrides` last. */
export function engineProviderConfig<Config>(
  type: 'docker' | 'swarm',
  socket: string,
  readyTimeout: string,
  overrides: Record<string, unknown> = {},
): Config {
  return providerSchema.parse({
    type,
    image: TEST_FLEETGATE_IMAGE,
    command: ['executor', '--bind', '127.0.0.1'],
    socket,
    memory: `${TEST_LIMITS.memoryBytes}b`,
    cpus: TEST_LIMITS.cpus,
    pids: TEST_LIMITS.pids,
    readyTimeout,
    stopTimeout: '10s',
    ...overrides,
  }) as Config;
}

/**
 * A maker of `create`'s providers, silent, with `secret`: `provider(pool, overrides, stopOnClose)`
 * configured by `config(overrides)` (called at each make, so a socket known later is seen).
 */
export function engineProviders<Config>(
  create: (options: EngineProviderOptions<Config>) => ListingHostProvider,
  config: (overrides: Record<string, unknown>) => Config,
  secret: string,
) {
  return (pool: string, overrides: Record<string, unknown> = {}, stopOnClose = false): ListingHostProvider =>
    create({ pool, config: config(overrides), executorSecret: secret, logger: silentLogger(), stopOnClose });
}

/**
 * A host created by one provider that is then closed; a new provider (a restarted scaler) finds it
 * by its labels alone, says it exists, removes it and then says it does not; nothing is left.
 * `created` sees the host between the two providers.
 */
export async function expectRestartedScalerFindsHost(
  newProvider: () => ListingHostProvider,
  leftovers: () => Promise<unknown[]>,
  created: (host: ProvisionedHost) => Promise<void> = async () => {},
): Promise<void> {
  const first = newProvider();
  const host = await first.create({ inUse: new Set() });
  await first.close();
  await created(host);
  const second = newProvider();
  const found = await second.listHosts();
  expect(found.map((h) => [h.id, h.url, h.running])).toEqual([[host.id, host.url, true]]);
  expect(await second.exists?.(host)).toBe(true);
  await second.destroy(found[0]!);
  expect(await second.exists?.(host)).toBe(false);
  expect(await leftovers()).toEqual([]);
  await second.close();
}

/**
 * An executor told to bind a port something else holds: the create fails with PROVIDER_CREATE_FAILED
 * and a message matching `message`, and nothing is left.
 */
export async function expectTakenPortFails(
  newProvider: (command: string[]) => ListingHostProvider,
  message: RegExp,
  leftovers: () => Promise<unknown[]>,
): Promise<void> {
  const taken: Server = createServer();
  const port = await freePort();
  await new Promise<void>((r) => taken.listen(port, '127.0.0.1', r));
  try {
    const provider = newProvider(['executor', '--bind', '127.0.0.1', '--port', String(port)]);
    await expectCreateFails(provider, message, leftovers);
  } finally {
    taken.close();
  }
}

/**
 * A create that fails with PROVIDER_CREATE_FAILED and a message containing (a string) or matching
 * (a RegExp) `message`; then nothing is left (when `leftovers` is given) and the provider closes.
 */
export async function expectCreateFails(
  provider: ListingHostProvider,
  message: string | RegExp,
  leftovers?: () => Promise<unknown[]>,
): Promise<void> {
  await expect(provider.create({ inUse: new Set() })).rejects.toMatchObject({
    code: 'PROVIDER_CREATE_FAILED',
    message: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message),
  });
  if (leftovers) expect(await leftovers()).toEqual([]);
  await provider.close();
}
