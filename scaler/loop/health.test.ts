import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHealthAnswer } from '../../lib/health-answer.ts';
import { probeHealth } from './health.ts';

/** A stand-in executor: answers every request with the status and body the current case set. */
let server: Server;
let base: string;
let answer = { status: 404, body: '' };

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.statusCode = answer.status;
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('probeHealth (the scaler activating a booting host)', () => {
  // Same table as the gateway's health checker reads: one rule for "is this /v1/health answer healthy".
  it.each([
    [200, 'OK'],
    [200, ''],
    [200, '{"status":"pass","usage":1}'],
    [200, '{"status":"fail"}'],
    [200, 'garbage'],
    [503, 'Draining'],
    [500, 'OK'],
  ])('%i %j: the scaler and the gateway agree', async (status, body) => {
    answer = { status, body };
    expect(await probeHealth(base, 2_000)).toBe(parseHealthAnswer(status, body).ok);
  });

  it('a 200 carrying status "fail" is not healthy', async () => {
    answer = { status: 200, body: '{"status":"fail"}' };
    expect(await probeHealth(base, 2_000)).toBe(false);
  });

  it('an unreachable host is not healthy', async () => {
    expect(await probeHealth('http://127.0.0.1:1', 2_000)).toBe(false);
  });
});
