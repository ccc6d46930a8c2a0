import { createServer } from 'node:http';

/**
 * The trivial backend every overhead target sits in front of: 200 with a small JSON body for any
 * request (and `OK` on `/v1/health`, so a gateway's health check passes). Runs in its own process:
 * `node --import tsx bench/overhead/backend.ts <port>`.
 */
const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: backend.ts <port>\n');
  process.exit(2);
}

const body = JSON.stringify({ ok: true, service: 'bench-backend', items: [1, 2, 3] });
const length = String(Buffer.byteLength(body));

const server = createServer((req, res) => {
  // Drain any request body so keep-alive connections stay usable.
  req.resume();
  if (req.url === '/v1/health') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
    res.end('OK');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': length });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
