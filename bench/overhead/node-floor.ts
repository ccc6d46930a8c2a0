import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';

/**
 * The Node floor: the least a Node proxy can do per request — bare `node:http` in, one keep-alive
 * undici `Pool.stream` out, the upstream body streamed straight into the response. Fleetgate's
 * gateway is compared with this (goals: within 1.5× of its CPU per request, then ≤ 1.15× (issue 14)).
 * `node --import tsx bench/overhead/node-floor.ts <listen-port> <backend-port>`.
 */
const [listenPort, backendPort] = process.argv.slice(2).map(Number);
if (!listenPort || !backendPort) {
  process.stderr.write('usage: node-floor.ts <listen-port> <backend-port>\n');
  process.exit(2);
}

// Hop-by-hop headers (RFC 9110 §7.6.1) are never forwarded.
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te']);

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
  return out;
}

const pool = new Pool(`http://127.0.0.1:${backendPort}`, { connections: 128 });

const server = createServer((req, res) => {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  pool.stream(
    {
      path: req.url ?? '/',
      method: (req.method ?? 'GET') as 'GET',
      headers: forwardable(req.headers),
      body: hasBody ? req : null,
    },
    ({ statusCode, headers }) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
      res.writeHead(statusCode, out);
      return res;
    },
    (error) => {
      if (!error) return;
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end('{"message":"upstream error"}');
      } else res.destroy(error);
    },
  );
});
server.keepAliveTimeout = 65_000;
server.listen(listenPort, '127.0.0.1', () => process.stdout.write(`listening ${listenPort}\n`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void pool.close().then(() => process.exit(0)));
});
