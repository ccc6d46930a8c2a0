import { describe, expect, it } from 'vitest';
import { holdTime, type RequestRecord } from './client.ts';
import { coldDelays, frontierSvg, metricByLabel } from './lifetime-measures.ts';

const rec = (
  runtimeId: string,
  at: number,
  latency: number,
  durationMs: number,
  error?: string,
  server: { executorMs?: number; runtimeMs?: number; holdMs?: number } = {},
): RequestRecord => ({
  runtimeId,
  at,
  sent: at,
  end: at + latency,
  status: error ? 503 : 200,
  durationMs,
  ...(error ? { error } : {}),
  ...server,
});

describe('coldDelays', () => {
  it('counts requests whose latency exceeds their execution time by more than the threshold', () => {
    const d = coldDelays(
      [
        rec('a', 0, 560, 50), // a's first call, delayed
        rec('a', 100, 60, 50), // warm
        rec('b', 200, 300, 40), // b's first call: 260 ms beyond, delayed
        rec('a', 300, 800, 10), // delayed, not a first call
        rec('c', 400, 240, 0), // 240 ms beyond: not past 250
        rec('c', 500, 900, 10, 'http_503'), // failed: not counted
      ],
      250,
    );
    expect(d).toMatchObject({ requests: 5, delayed: 3, percent: 60, firstCalls: 2 });
  });

  it("also counts by the servers' own times: the executor's wait before the runtime plus the activator's hold", () => {
    const d = coldDelays(
      [
        rec('a', 0, 900, 50, undefined, { executorMs: 560, runtimeMs: 52 }), // the executor cold-started it
        rec('b', 0, 900, 50, undefined, { executorMs: 60, runtimeMs: 52, holdMs: 500 }), // the gateway created it first
        rec('c', 0, 900, 50, undefined, { executorMs: 60, runtimeMs: 52 }), // late at the client only (queueing)
        rec('d', 0, 900, 50, undefined, { executorMs: 700, runtimeMs: 690 }), // waited for a busy runtime's slot
      ],
      250,
    );
    expect(d).toMatchObject({ delayed: 4, delayedByServers: 2 });
    expect(d.percentByServers).toBe(50);
  });

  it('finds first calls by schedule, whatever order the records completed in', () => {
    const d = coldDelays([rec('a', 100, 60, 50), rec('a', 0, 900, 50)], 250);
    expect(d.firstCalls).toBe(1);
  });

  it('is NaN percent with no request', () => {
    expect(coldDelays([], 250).percent).toBeNaN();
  });
});

describe('metricByLabel', () => {
  it('sums the samples of a metric by one label', () => {
    const text = [
      '# HELP fleetgate_gateway_prewarms_total x',
      'fleetgate_gateway_prewarms_total{result="useful"} 4',
      'fleetgate_gateway_prewarms_total{pool="p",result="wasted"} 2',
      'fleetgate_gateway_prewarms_total{pool="q",result="wasted"} 1',
      'fleetgate_gateway_prewarms_totalx{result="useful"} 9',
    ].join('\n');
    expect(metricByLabel(text, 'fleetgate_gateway_prewarms_total', 'result')).toEqual({
      useful: 4,
      wasted: 3,
    });
  });
});

describe('frontierSvg', () => {
  it('draws one marker and one legend line per point, escaped', () => {
    const svg = frontierSvg('t <1>', [
      { series: 'fixed', label: 'fixed 10 min', memory: 1, cold: 2 },
      { series: 'fixed', label: 'fixed 1 min', memory: 0.3, cold: 6 },
      { series: 'hybrid', label: 'hybrid & co', memory: 0.8, cold: 1.5 },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(2);
    expect(svg.match(/<rect x=/g)?.length).toBe(2); // the goal box and the hybrid marker
    expect(svg).toContain('t &lt;1&gt;');
    expect(svg).toContain('3. hybrid &amp; co');
    expect(svg).toContain('<polyline');
  });
});

describe('holdTime', () => {
  it('sums the dur= parts of the activator header', () => {
    expect(holdTime('no-hosts;dur=120, created;dur=512')).toBe(632);
    expect(holdTime('joined')).toBe(0);
  });
});
