import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningExecutor } from '../../executor/server.ts';
import { answersItself } from '../../gateway/own-paths.ts';
import { startInProcessExecutor } from '../support/executors.ts';
import { AUTH, startTestGateway, type TestGateway } from './harness.ts';

// HEAD on a forwarded path outside `/v1/runtimes` went through Hono, whose HEAD→GET rewrite lost
// the "response already sent" marker: @hono/node-server then wrote the headers a second time and
// printed an ERR_HTTP_HEADERS_SENT stack per request (bug B5 of the reliability tests).

/** Two requests on one connection: resolves with the raw bytes received once the server closed it. */
function exchange(port: number, requests: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(requests));
    let received = '';
    socket.on('data', (d) => {
      received += d.toString('latin1');
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

const request = (method: string, path: string, close = false) =>
  `${method} ${path} HTTP/1.1\r\nHost: gw\r\nAuthorization: ${AUTH}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;

/** The status code of every response head in a raw HTTP/1.1 byte stream. */
const statuses = (raw: string) => [...raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

describe('HEAD on forwarded paths', () => {
  let exec: RunningExecutor;
  let gw: TestGateway;
  const complaints: string[] = [];
  const onWarning = (w: Error) => complaints.push(`warning ${w.name}: ${w.message}`);

  beforeAll(async () => {
    exec = await startInProcessExecutor({ mode: 'simulated', port: 0 });
    gw = await startTestGateway({ options: { executors: [exec.url] } });
  });
  afterAll(async () => {
    await gw?.close();
    await exec?.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.off('warning', onWarning);
  });

  // The last two are answered by the gateway itself (through Hono), for comparison.
  it.each([
    '/anything',
    '/v1/../runtimes',
    '/v1/runtimes/absent',
    '/v1/runtimes',
    '/healthz',
    '/v1/proxy/health?x=1',
  ])('HEAD %s answers like GET without a body, writes its headers once, prints nothing', async (path) => {
    complaints.length = 0;
    process.on('warning', onWarning);
    const record = (...args: unknown[]) => {
      complaints.push(args.map(String).join(' '));
    };
    vi.spyOn(console, 'error').mockImplementation(record);
    vi.spyOn(console, 'warn').mockImplementation(record);
    const write = process.stderr.write.bind(process.stderr);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk, ...rest) => {
      complaints.push(String(chunk));
      return write(chunk, ...(rest as []));
    });
    const port = gw.running.port;
    const get = await exchange(port, request('GET', path, true));
    // HEAD then GET on the same kept-alive connection: a doubled head would break the second answer.
    const head = await exchange(port, request('HEAD', path) + request('GET', path, true));
    const getStatus = statuses(get)[0];
    expect(getStatus).toBeGreaterThanOrEqual(200);
    expect(statuses(head)).toEqual([getStatus, getStatus]);
    // Nothing between the HEAD's head and the next response: no body, no second head.
    const firstEnd = head.indexOf('\r\n\r\n') + 4;
    expect(head.slice(firstEnd).startsWith('HTTP/1.1 ')).toBe(true);
    // Let any late error handler run before looking at what was printed.
    await new Promise((r) => setImmediate(r));
    expect(complaints.filter((c) => /ERR_HTTP_HEADERS_SENT|Cannot write headers|Error/.test(c))).toEqual([]);
    expect(complaints).toEqual([]);
  });

  it.each([
    ['HEAD', '/healthz', false],
    ['GET', '/metrics?x=1', false],
    ['HEAD', '/heal%74hz', false],
    ['GET', 'http://gw/v1/fleet', false],
    ['POST', '/healthz', true],
    ['HEAD', '/healthz/', true],
    ['HEAD', '/anything', true],
    ['GET', '/v1/runtimes/x/logs', true],
    ['GET', '/v1/runtimes', true],
  ])('%s %s forwarded: %s, as the Hono routes decide', (method, url, forwarded) => {
    expect(answersItself(method, url)).toBe(!forwarded);
  });
});
