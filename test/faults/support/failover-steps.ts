import type { HostRegistry } from '../../../registry/types.ts';
import { waitFor } from '../../support/wait.ts';
import { fleetOf } from './gateway-process.ts';

// Steps the Redis failover tests (Sentinel, Cluster) share.

const POOL = 'default';

/** Polls `GET url/readyz` every 50 ms until stopped; counts the answers that were not 200. */
export function watchReadiness(url: string): { stop(): Promise<{ polls: number; notReady: string[] }> } {
  let running = true;
  let polls = 0;
  const notReady: string[] = [];
  const loop = (async () => {
    while (running) {
      // 5 s: a gateway starved of CPU on a loaded machine may take seconds; a hang still shows.
      let failure = '';
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) }).catch(
        (error: Error) => {
          failure = `no answer: ${error.name} ${error.message} ${String((error.cause as Error | undefined)?.message ?? '')}`;
          return undefined;
        },
      );
      polls++;
      if (res?.status !== 200) notReady.push(res ? `${res.status} ${await res.text()}` : failure);
      else await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { polls, notReady };
    },
  };
}

/**
 * After a promotion: registers `hostAddress` (retrying until the registry takes a write on the new
 * master), then waits until the gateway at `gatewayUrl` routes to it. Returns both moments on the
 * load's clock.
 */
export async function changeAfterPromotion(
  registry: HostRegistry,
  gatewayUrl: string,
  hostAddress: string,
  now: () => number,
): Promise<{ writableAt: number; seenAt: number }> {
  await waitFor('the registry writable on the new master', async () => {
    await registry.register(POOL, { id: hostAddress, url: `http://${hostAddress}` });
    return true;
  });
  const writableAt = now();
  await waitFor('the gateway sees the new host', async () =>
    (await fleetOf(gatewayUrl)).hosts.some((h) => h.id === hostAddress),
  );
  return { writableAt, seenAt: now() };
}
