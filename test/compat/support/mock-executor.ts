import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a mock executor saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

/** A running mock executor. */
export interface MockExecutor {
  /** `127.0.0.1:<port>`, as `OPR_PROXY_EXECUTORS` lists it. */
  address: string;
  /** Every request it received, in order. */
  seen: SeenRequest[];
  /** Resolves at the first request for which `match` holds (also if one already came). */
  waitFor(match: (r: SeenRequest) => boolean, what: string, timeoutMs?: number): Promise<SeenRequest>;
  close(): Promise<void>;
}

/**
 * An executor as open-runtimes/proxy's own HTTP tests mock it (two Mockoon servers), with the
 * behaviour of executors up to 0.16: `GET /v1/health` answers the JSON health report only with
 * `Authorization: Bearer <executor secret>` and 401 without it; `GET /v1/ping` echoes the
 * `x-opr-executor-hostname` header the proxy adds in development mode and the authorization it
 * received. Anything else is 404.
 */
export async function startMockExecutor(executorSecret: string): Promise<MockExecutor> {
  const seen: SeenRequest[] = [];
  const waiters = new Set<{ match: (r: SeenRequest) => boolean; resolve: (r: SeenRequest) => void }>();
  const server: Server = createServer((req, res) => {
    const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
    seen.push(entry);
    for (const w of waiters) {
      if (w.match(entry)) {
        waiters.delete(w);
        w.resolve(entry);
      }
    }
    req.resume();
    req.on('end', () => {
      const json = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      };
      if (req.method === 'GET' && req.url === '/v1/health') {
        if (req.headers.authorization !== `Bearer ${executorSecret}`) {
          json(401, { message: 'Missing executor key', code: 401 });
          return;
        }
        json(200, { status: 'pass', usage: 12, runtimes: { 'runtime-a': { status: 'pass', usage: 3 } } });
        return;
      }
      if (req.method === 'GET' && req.url === '/v1/ping') {
        json(200, {
          ping: 'pong',
          server: req.headers['x-opr-executor-hostname'] ?? 'UNKNOWN',
          secret: req.headers.authorization ?? 'UNKNOWN',
        });
        return;
      }
      json(404, { message: 'Not found', code: 404 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    seen,
    waitFor(match, what, timeoutMs = 20_000) {
      const already = seen.find(match);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: (r: SeenRequest) => {
            clearTimeout(timer);
            resolve(r);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`mock executor ${port}: timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A plain HTTP endpoint that counts the requests it receives (the proxy's health-check URL). */
export interface CountingEndpoint {
  url: string;
  hits: SeenRequest[];
  /** Resolves when `n` requests have arrived. */
  waitForHits(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a counting endpoint answering 200 `OK` to everything. */
export async function startCountingEndpoint(): Promise<CountingEndpoint> {
  const hits: SeenRequest[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server = createServer((req, res) => {
    hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    for (const w of [...waiters]) {
      if (hits.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
    req.resume();
    res.end('OK');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/ping`,
    hits,
    waitForHits(n, timeoutMs = 20_000) {
      if (hits.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter = {
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`health-check URL: ${hits.length} of ${n} calls after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
