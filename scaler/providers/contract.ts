import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostProvider, ProvisionedHost } from './types.ts';

/** One provider set up for the contract suite. */
export interface ProviderFixture {
  provider: HostProvider;
  /** Whether `destroy` makes the host stop answering (false for static: its hosts are pre-provisioned). */
  destroyStopsHost: boolean;
  /** Releases everything the fixture started, even when a test failed. */
  cleanup(): Promise<void>;
}

/** Polls `GET url/v1/health` until it answers 200 or the deadline passes; returns whether it did. */
export async function healthy(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
    if (res?.status === 200) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls until `GET url/v1/health` no longer answers; returns whether it stopped in time. */
async function gone(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
    if (!res) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The one contract every HostProvider passes (run by contract.test.ts against static, process and
 * command): created hosts answer `/v1/health`, ids are distinct and registry-safe (also when
 * several creates run at once over one `inUse` set, as the loop runs them), `inUse` is honoured, `destroy` is idempotent and (where the provider owns the host) stops it.
 */
export function describeProviderContract(name: string, setup: () => Promise<ProviderFixture>): void {
  describe(`HostProvider contract: ${name}`, () => {
    let fixture: ProviderFixture;
    const inUse = new Set<string>();
    const created: ProvisionedHost[] = [];

    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      for (const host of created) await fixture?.provider.destroy(host).catch(() => undefined);
      await fixture?.provider.close();
      await fixture?.cleanup();
    });

    it('creates a host that answers /v1/health, with a registry-safe id and an http URL', async () => {
      const host = await fixture.provider.create({ inUse });
      created.push(host);
      inUse.add(host.id);
      expect(host.id).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
      expect(host.url).toMatch(/^https?:\/\/[^/]+$/);
      expect(await healthy(host.url, 30_000)).toBe(true);
      expect(await fixture.provider.exists?.(host)).not.toBe(false);
    });

    it('creates a second, distinct host when the first is in use', async () => {
      const host = await fixture.provider.create({ inUse });
      created.push(host);
      inUse.add(host.id);
      expect(created[0]!.id).not.toBe(host.id);
      expect(created[0]!.url).not.toBe(host.url);
      expect(await healthy(host.url, 30_000)).toBe(true);
    });

    it('destroys a host idempotently', async () => {
      const host = created[1]!;
      await fixture.provider.destroy(host);
      await fixture.provider.destroy(host);
      inUse.delete(host.id);
      if (fixture.destroyStopsHost) {
        expect(await gone(host.url, 30_000)).toBe(true);
        expect(await fixture.provider.exists?.(host)).not.toBe(true);
      }
      // The other host is untouched.
      expect(await healthy(created[0]!.url, 5000)).toBe(true);
    });

    // Issue 20: the loop starts several hosts in parallel over one shared `inUse` set, which grows only
    // after each create resolves; the static provider handed the same host to three parallel creates.
    it('creates several hosts at once, each distinct from the others and from those in use', async () => {
      const batch = await Promise.all(Array.from({ length: 3 }, () => fixture.provider.create({ inUse })));
      created.push(...batch);
      const ids = batch.map((h) => h.id);
      expect(new Set(ids).size).toBe(3);
      expect(new Set(batch.map((h) => h.url)).size).toBe(3);
      for (const id of ids) expect(inUse.has(id)).toBe(false);
      for (const host of batch) expect(await healthy(host.url, 30_000)).toBe(true);
      for (const host of batch) await fixture.provider.destroy(host);
    });

    it('treats destroying a host it never made as done', async () => {
      await expect(
        fixture.provider.destroy({ id: 'never-made', url: 'http://127.0.0.1:9', labels: {} }),
      ).resolves.toBeUndefined();
    });
  });
}
