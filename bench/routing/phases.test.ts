import { describe, expect, it } from 'vitest';
import { spread } from './aggregate.ts';
import type { RequestRecord } from './client.ts';
import {
  executorCpu,
  gatewayCounters,
  listenOverflows,
  metricValue,
  processLoad,
  routerTimes,
  splitTime,
  timeTable,
} from './phases.ts';

const record = (over: Partial<RequestRecord>): RequestRecord => ({
  runtimeId: 'r',
  at: 0,
  sent: 0,
  end: 100,
  status: 200,
  ...over,
});

describe('splitTime', () => {
  it('splits latency into the way to the executor, the executor and the way back', () => {
    const split = splitTime([
      record({ at: 0, arrived: 30, executorMs: 50, end: 90 }),
      record({ at: 100, arrived: 110, executorMs: 20, end: 140 }),
      // Failed, or without the executor's startTime: left out.
      record({ at: 0, arrived: 1, executorMs: 1, end: 5000, error: 'http_502' }),
      record({ at: 0, executorMs: 1, end: 5000 }),
    ]);
    expect(split.requests).toBe(2);
    expect(split.toExecutor.p50).toBe(20);
    expect(split.executor.p50).toBe(35);
    expect(split.back.p50).toBe(10);
    expect(split.outside.p50).toBe(30);
    expect(split.toExecutor.p99).toBeCloseTo(29.8);
    expect(split.meanLatency).toBe(65);
    expect(split.meanExecutor).toBe(35);
  });
});

describe('processLoad', () => {
  it('takes the CPU between two scrapes and the event-loop lag of the second', () => {
    const before = 'process_cpu_seconds_total 1.5\nnodejs_eventloop_lag_max_seconds 9\n';
    const after =
      '# HELP x\nprocess_cpu_seconds_total 4\nnodejs_eventloop_lag_max_seconds 0.25\nnodejs_eventloop_lag_p99_seconds 0.02\n';
    expect(processLoad(before, after)).toEqual({
      cpuSeconds: 2.5,
      eventLoopLagMaxMs: 250,
      eventLoopLagP99Ms: 20,
    });
    expect(metricValue(after, 'absent_metric')).toBeNaN();
  });
});

describe('executorCpu', () => {
  it('sums each host from its first to its last answered snapshot', () => {
    const snaps = [
      new Map([
        ['e1', { cpuSeconds: 1 }],
        ['e2', { cpuSeconds: 2 }],
      ]),
      new Map([
        ['e1', { cpuSeconds: 3 }],
        ['e2', undefined],
        ['e5', { cpuSeconds: 0.5 }],
      ]),
      new Map([
        ['e1', { cpuSeconds: 4 }],
        ['e5', { cpuSeconds: 1 }],
      ]),
    ];
    expect(executorCpu(snaps)).toBe(3 + 0 + 0.5);
  });
});

describe('timeTable', () => {
  it('gives one row per router with the figures over its runs', () => {
    const time = splitTime([record({ at: 0, arrived: 10, executorMs: 50, end: 70 })]);
    const table = timeTable(
      'Where',
      [
        { round: 1, target: 'a', time, routerLoad: undefined, executorCpuSeconds: 1, listenOverflows: 0 },
        { round: 2, target: 'a', time, routerLoad: undefined, executorCpuSeconds: 3, listenOverflows: 12 },
      ],
      spread,
    );
    expect(table.rows).toEqual([
      [
        'a',
        '10 (10–10) / 10 (10–10)',
        '50 (50–50) / 50 (50–50)',
        '10 (10–10) / 10 (10–10)',
        '20 (20–20) / 20 (20–20)',
        '70 (70–70) / – / – / 50 (50–50)',
        '–',
        '–',
        '2 (1–3)',
        '6 (0–12)',
      ],
    ]);
  });
});

describe('gatewayCounters', () => {
  it('keeps every fleetgate_gateway_*_total sample with its labels', () => {
    const text = [
      '# TYPE fleetgate_gateway_retries_total counter',
      'fleetgate_gateway_retries_total 3',
      'fleetgate_gateway_picks_total{reason="warm"} 120',
      'fleetgate_gateway_inflight_requests 4',
      'process_cpu_seconds_total 2',
    ].join('\n');
    expect(gatewayCounters(text)).toEqual({
      fleetgate_gateway_retries_total: 3,
      'fleetgate_gateway_picks_total{reason="warm"}': 120,
    });
  });
});

describe('routerTimes', () => {
  it('takes the mean handler and upstream times between two scrapes, over every label', () => {
    const before = [
      'fleetgate_gateway_request_duration_seconds_sum{route="a"} 1',
      'fleetgate_gateway_request_duration_seconds_count{route="a"} 10',
      'fleetgate_gateway_upstream_duration_seconds_sum{host="e1"} 0.5',
      'fleetgate_gateway_upstream_duration_seconds_count{host="e1"} 10',
    ].join('\n');
    const after = [
      'fleetgate_gateway_request_duration_seconds_sum{route="a"} 3',
      'fleetgate_gateway_request_duration_seconds_count{route="a"} 20',
      'fleetgate_gateway_request_duration_seconds_sum{route="b"} 2',
      'fleetgate_gateway_request_duration_seconds_count{route="b"} 10',
      'fleetgate_gateway_upstream_duration_seconds_sum{host="e1"} 1.5',
      'fleetgate_gateway_upstream_duration_seconds_count{host="e1"} 20',
      'fleetgate_gateway_upstream_duration_seconds_sum{host="e2"} 1',
      'fleetgate_gateway_upstream_duration_seconds_count{host="e2"} 10',
    ].join('\n');
    const t = routerTimes(before, after);
    expect(t.requests).toBe(20);
    expect(t.requestMeanMs).toBeCloseTo(200);
    expect(t.upstreamHeadersMeanMs).toBeCloseTo(100);
  });
});

describe('listenOverflows', () => {
  it('reads TcpExt ListenOverflows from /proc/net/netstat text', () => {
    const text = [
      'TcpExt: SyncookiesSent ListenOverflows ListenDrops',
      'TcpExt: 0 125045 125045',
      'IpExt: InNoRoutes',
      'IpExt: 0',
    ].join('\n');
    expect(listenOverflows(text)).toBe(125045);
    expect(listenOverflows('IpExt: InNoRoutes\nIpExt: 0')).toBeNaN();
  });
});
