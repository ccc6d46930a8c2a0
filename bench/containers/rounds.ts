import { performance } from 'node:perf_hooks';
import type { DockerClient } from '../../lib/docker/index.ts';
import { healthy } from '../../scaler/providers/contract.ts';
import type { HostProvider, ProvisionedHost } from '../../scaler/providers/types.ts';
import { ensureTestImages } from '../../test/support/docker-images.ts';
import { ensureFleetgateImage } from '../../test/support/fleetgate-image.ts';
import type { ResultTable } from '../lib/results.ts';
import { median, quantile, round } from '../lib/stats.ts';

// What the container benchmarks share: the images, create → ready timing, alternating rounds and
// the summary table.

/** Builds the test images and the Fleetgate image on `client` when missing; logs with `[tag]`. */
export async function ensureBenchImages(client: DockerClient, tag: string): Promise<void> {
  for (const line of await ensureTestImages(client, '/tmp')) process.stderr.write(`[${tag}] ${line}\n`);
  for (const line of await ensureFleetgateImage(client, '/tmp')) process.stderr.write(`[${tag}] ${line}\n`);
}

/** A host `provider` created, and the milliseconds from `create` to its first 200 of `/v1/health`. */
export async function createUntilReady(
  provider: HostProvider,
): Promise<{ host: ProvisionedHost; ready: number }> {
  const started = performance.now();
  const host = await provider.create({ inUse: new Set() });
  if (!(await healthy(host.url, 60_000))) throw new Error(`${host.id} never answered /v1/health`);
  return { host, ready: performance.now() - started };
}

/** Samples of one provider: create → ready, and the figure named by the benchmark's `stop` key. */
export type RoundSamples<Stop extends string> = { ready: number[] } & Record<Stop, number[]>;

/**
 * `rounds` rounds of `measure` on every provider, in alternating order (so neither always goes
 * first on a warmer engine); the samples by provider name.
 */
export async function alternatingRounds<Stop extends string>(
  providers: [string, HostProvider][],
  rounds: number,
  tag: string,
  stop: Stop,
  measure: (provider: HostProvider) => Promise<{ ready: number; stop: number }>,
): Promise<Map<string, RoundSamples<Stop>>> {
  const samples = new Map<string, RoundSamples<Stop>>();
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? providers : [...providers].reverse();
    for (const [name, provider] of order) {
      const s = samples.get(name) ?? ({ ready: [], [stop]: [] } as unknown as RoundSamples<Stop>);
      const m = await measure(provider);
      s.ready.push(m.ready);
      s[stop].push(m.stop);
      samples.set(name, s);
    }
    process.stderr.write(`[${tag}] round ${i + 1}/${rounds}\n`);
  }
  return samples;
}

/** The result table: ready and `stopLabel` p50 and p95 per provider, in ms. */
export function roundsTable<Stop extends string>(
  title: string,
  stopLabel: string,
  stop: Stop,
  samples: Map<string, RoundSamples<Stop>>,
): ResultTable {
  const ms = (v: number) => round(v, 0);
  return {
    title,
    columns: ['provider', 'ready p50', 'ready p95', `${stopLabel} p50`, `${stopLabel} p95`],
    rows: [...samples].map(([name, s]) => [
      name,
      ms(median(s.ready)),
      ms(quantile(s.ready, 0.95)),
      ms(median(s[stop])),
      ms(quantile(s[stop], 0.95)),
    ]),
  };
}
