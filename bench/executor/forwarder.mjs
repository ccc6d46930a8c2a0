// The peer of the executor hop: the least a Node HTTP hop in front of a runtime does (node:http in,
// undici out, bodies buffered, no routing, auth, parsing or logs). Usage: node forwarder.mjs <port>
// <runtime url>; prints "listening" once it serves.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port, target] = [Number(process.argv[2]), process.argv[3]];
const pool = new Pool(target, { connections: 4 });
createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const headers = { ...req.headers };
  delete headers['content-length'];
  delete headers.connection;
  const upstream = await pool.request({
    method: req.method,
    path: req.url,
    headers,
    body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
  });
  const body = Buffer.from(await upstream.body.arrayBuffer());
  res.writeHead(upstream.statusCode, { 'content-type': upstream.headers['content-type'] ?? 'text/plain' });
  res.end(body);
}).listen(port, '127.0.0.1', () => console.log('listening'));
