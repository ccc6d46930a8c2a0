import { request } from 'undici';
import { TEST_EXECUTOR_SECRET } from '../support/executors.ts';
import type { TestGateway } from './harness.ts';

/** The runtime names an executor host lists on its own `GET /v1/runtimes`. */
export async function runtimesOn(url: string): Promise<string[]> {
  const res = await request(`${url}/v1/runtimes`, {
    headers: { authorization: `Bearer ${TEST_EXECUTOR_SECRET}` },
  });
  return ((await res.body.json()) as Array<{ name: string }>).map((r) => r.name);
}

/** Whether a list of runtime names holds runtime `id` (the executor prefixes names with its hostname). */
export function holds(names: readonly string[], id: string): boolean {
  return names.some((n) => n.endsWith(`-${id}`));
}

/** Whether the executor host at `url` has runtime `id`. */
export async function hasRuntime(url: string, id: string): Promise<boolean> {
  return holds(await runtimesOn(url), id);
}

/**
 * The value of the first series of the gateway's metrics starting with `name{labels}` (or with
 * `name` alone when no labels are given), NaN when there is none.
 */
export async function metricValue(gw: TestGateway, name: string, labels?: string): Promise<number> {
  const prefix = labels === undefined ? name : `${name}{${labels}}`;
  const text = await gw.metricsRegistry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? Number.NaN : Number(line.split(' ').pop());
}

/** The sum of every series of the gateway's metrics starting with `prefix` (0 when there is none). */
export async function metricSum(gw: TestGateway, prefix: string): Promise<number> {
  const text = await gw.metricsRegistry.metrics();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(prefix)) sum += Number(line.split(' ').pop());
  return sum;
}
