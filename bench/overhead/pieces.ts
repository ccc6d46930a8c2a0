import { Histogram, Registry } from 'prom-client';
import { bearerChecker } from '../../gateway/auth.ts';
import type { BalancePlan } from '../../gateway/balancer/balancer.ts';
import { responseHeaders } from '../../gateway/headers.ts';
import { RequestMetrics } from '../../gateway/observe.ts';
import { DeadlineSweep } from '../../gateway/proxy/deadlines.ts';
import { resolveRequest } from '../../gateway/proxy/resolve.ts';
import { BatchedHistogram } from '../../metrics/batched-histogram.ts';
import { LATENCY_BUCKETS } from '../../metrics/define.ts';
import { createGatewayMetrics } from '../../metrics/gateway.ts';
import { lazyHosts, testBalancer, testFleet } from '../../test/support/gateway-fleet.ts';
import { numberOption, parseBenchArgs } from '../lib/args.ts';
import { startResult } from '../lib/results.ts';
import { median, round } from '../lib/stats.ts';

/**
 * `npm run bench:pieces`: what each piece of the gateway's per-request work costs, in CPU ns per
 * call, in one process, with the alternatives it replaced timed beside it (slices of each case
 * alternate). CPU time of the process (`process.cpuUsage`), not wall time: on the shared machine a
 * busy neighbour stretches wall time several-fold, CPU time far less. The pieces run on the same
 * inputs as `bench:overhead`'s request (`GET /v1/runtimes/bench-runtime`, two headers in, five out).
 */
interface Case {
  name: string;
  /** What it is compared with (same run), if anything. */
  peerOf?: string;
  run(i: number): void;
}

function cases(): { cases: Case[]; close: () => Promise<void> } {
  const fleet = testFleet();
  fleet.apply(lazyHosts(['bench-host']));
  const balancer = testBalancer(fleet);
  const plan: BalancePlan = {
    method: 'GET',
    route: '/v1/runtimes/:runtimeId',
    key: 'bench-runtime',
    addressing: 'anycast-efficient',
  };
  const done = { kind: 'done', status: 200, peek: undefined, headersSeconds: 0.0004 } as const;
  const metrics = createGatewayMetrics(new Registry());
  const hot = new RequestMetrics(metrics);
  const rules = {
    authorized: bearerChecker('bench-gateway-secret'),
    upstreamAuthorization: 'Bearer bench-executor-secret',
    bodyLimit: 22 * 1024 * 1024,
  };
  const raw = ['Host', '127.0.0.1:8080', 'Authorization', 'Bearer bench-gateway-secret'];
  const upstream = [
    'Content-Type',
    'application/json',
    'Content-Length',
    '52',
    'Date',
    'Thu, 03 Dec 2026 11:00:00 GMT',
    'Connection',
    'keep-alive',
    'Keep-Alive',
    'timeout=65',
  ].map((s) => Buffer.from(s, 'latin1'));
  const promHistogram = new Histogram({
    name: 'p_seconds',
    help: 'p',
    labelNames: ['route'],
    buckets: LATENCY_BUCKETS,
    registers: [new Registry()],
  }).labels('/v1/runtimes/:runtimeId');
  const batched = new BatchedHistogram('b_seconds', 'b', ['route'], LATENCY_BUCKETS, new Registry()).labels(
    '/v1/runtimes/:runtimeId',
  );
  const sweep = new DeadlineSweep(50);
  const noop = () => {};
  const item = { expire: noop };
  const value = (i: number) => 0.0004 + (i % 13) * 0.0003;
  const list: Case[] = [
    {
      name: 'resolveRequest (route, headers, auth, key)',
      run: () =>
        resolveRequest(
          { method: 'GET', url: '/v1/runtimes/bench-runtime', rawHeaders: raw, remoteAddress: '127.0.0.1' },
          rules,
        ),
    },
    { name: 'auth check (timingSafeEqual)', run: () => rules.authorized('Bearer bench-gateway-secret') },
    { name: 'response header pass (5 headers)', run: () => responseHeaders(upstream, undefined) },
    {
      name: 'balancer pick + release (keyed GET, 1 host)',
      run: () => balancer.pick(plan)!.release(done),
    },
    {
      name: 'RequestMetrics.record (counter + duration)',
      run: (i) => hot.record('/v1/runtimes/:runtimeId', 'GET', 200, 'anycast-efficient', value(i)),
    },
    { name: 'histogram observe: BatchedHistogram', run: (i) => batched.observe(value(i)) },
    {
      name: 'histogram observe: prom-client Histogram',
      peerOf: 'histogram observe: BatchedHistogram',
      run: (i) => promHistogram.observe(value(i)),
    },
    {
      name: 'deadline: DeadlineSweep add + delete',
      run: () => {
        sweep.add(item, 900_000);
        sweep.delete(item);
      },
    },
    {
      name: 'deadline: setTimeout + clearTimeout',
      peerOf: 'deadline: DeadlineSweep add + delete',
      run: () => clearTimeout(setTimeout(noop, 900_000)),
    },
  ];
  return { cases: list, close: () => fleet.close() };
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const result = startResult('pieces', args.quick);
  const rounds = numberOption(args, 'rounds', args.quick ? 3 : 9);
  const perSlice = numberOption(args, 'calls', 200_000);
  const built = cases();
  const all = built.cases;
  const ns = new Map<string, number[]>(all.map((c) => [c.name, []]));
  for (const c of all) for (let i = 0; i < perSlice; i++) c.run(i); // warm-up: the JIT settles
  for (let r = 0; r < rounds; r++) {
    for (const c of all) {
      const t0 = process.cpuUsage();
      for (let i = 0; i < perSlice; i++) c.run(i);
      const used = process.cpuUsage(t0);
      ns.get(c.name)!.push(((used.user + used.system) * 1000) / perSlice);
    }
  }
  const med = (name: string) => median(ns.get(name)!);
  result.finish(
    args.outDir,
    [
      {
        title: `Per-request pieces of the gateway, CPU ns per call: ${rounds} alternating slices of ${perSlice} calls each, medians`,
        columns: ['piece', 'ns/call', 'replaced (same run)', 'ns/call', 'ratio'],
        rows: all
          .filter((c) => c.peerOf === undefined)
          .map((c) => {
            const peer = all.find((p) => p.peerOf === c.name);
            return [
              c.name,
              round(med(c.name), 0),
              peer?.name ?? null,
              peer ? round(med(peer.name), 0) : null,
              peer ? round(med(c.name) / med(peer.name), 2) : null,
            ];
          }),
        notes: [
          'CPU time of the one process (user + system, process.cpuUsage) per call, not wall time: a busy neighbour on the shared machine moves it far less; the ratio of two cases is steadier still (their slices alternate).',
        ],
      },
    ],
    [],
    { rounds, perSlice, ns: Object.fromEntries(ns) },
  );
  await built.close();
}

await main();
