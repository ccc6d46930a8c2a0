// Fleetgate's Node runtime server: the Open Runtimes runtime protocol (v5) in one small file,
// plain JavaScript so it boots with `node` alone (no tsx) and cold starts stay fast.
//
// Environment: PORT, OPEN_RUNTIMES_SECRET, OPEN_RUNTIMES_ENTRYPOINT (module inside the working
// directory), OPEN_RUNTIMES_LOGS_DIR (where `<logId>_logs.log` / `<logId>_errors.log` go;
// /mnt/logs in Open Runtimes containers), OPEN_RUNTIMES_LISTEN_HOST (default 127.0.0.1).
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, realpathSync } from 'node:fs';
import { createServer } from 'node:http';
import { isAbsolute, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const port = Number(process.env.PORT ?? 3000);
// Fleetgate's own: the docker mode sets 0.0.0.0 for a container on its own network address.
const listenHost = process.env.OPEN_RUNTIMES_LISTEN_HOST || '127.0.0.1';
const secret = process.env.OPEN_RUNTIMES_SECRET ?? '';
const entrypoint = process.env.OPEN_RUNTIMES_ENTRYPOINT ?? '';
const logsDir = process.env.OPEN_RUNTIMES_LOGS_DIR ?? '/mnt/logs';

// Die with the executor: the IPC channel closes when the parent goes, even on SIGKILL.
if (typeof process.send === 'function') process.on('disconnect', () => process.exit(0));

let userFunction;
if (entrypoint !== '') {
  // The executor checked this already; checked again here because this file may be run by other
  // tools: the entrypoint's real path must be inside the working directory's.
  const root = realpathSync(process.cwd());
  let file;
  try {
    file = realpathSync(resolve(root, entrypoint));
  } catch {
    console.error(`${entrypoint} does not exist in the source`);
    process.exit(1);
  }
  const rel = relative(root, file);
  if (rel === '' || rel === '..' || rel.startsWith('../') || isAbsolute(rel)) {
    console.error(`${entrypoint} resolves outside the source`);
    process.exit(1);
  }
  const module = await import(pathToFileURL(file).href);
  userFunction = typeof module.default === 'function' ? module.default : module.main;
  if (typeof userFunction !== 'function') {
    console.error(`${entrypoint} does not export a function (export default async (context) => ...)`);
    process.exit(1);
  }
}

function stringify(value) {
  if (value instanceof Error) return value.stack ?? String(value);
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function makeResponse() {
  const send = (body, statusCode = 200, headers = {}) => ({
    body: Buffer.isBuffer(body) ? body : Buffer.from(body instanceof Uint8Array ? body : String(body ?? '')),
    statusCode,
    headers,
  });
  return {
    send,
    text: (body, statusCode = 200, headers = {}) => send(String(body), statusCode, headers),
    binary: (body, statusCode = 200, headers = {}) => send(Buffer.from(body), statusCode, headers),
    json: (obj, statusCode = 200, headers = {}) =>
      send(JSON.stringify(obj), statusCode, { 'content-type': 'application/json', ...headers }),
    empty: () => send('', 204, {}),
    redirect: (url, statusCode = 301, headers = {}) => send('', statusCode, { ...headers, location: url }),
  };
}

function makeRequest(req, body) {
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (!k.startsWith('x-open-runtimes-')) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  let url;
  try {
    url = new URL(req.url ?? '/', `http://${headers.host ?? `localhost:${port}`}`);
  } catch {
    url = new URL(req.url ?? '/', `http://localhost:${port}`);
  }
  const text = body.toString('utf8');
  const contentType = (headers['content-type'] ?? '').toLowerCase();
  return {
    bodyRaw: text,
    bodyText: text,
    bodyBinary: body,
    get bodyJson() {
      return text === '' ? {} : JSON.parse(text);
    },
    get body() {
      if (contentType.startsWith('application/json')) return text === '' ? {} : JSON.parse(text);
      return text;
    },
    headers,
    method: req.method,
    host: url.hostname,
    scheme: 'http',
    port: Number(url.port || 80),
    path: url.pathname,
    queryString: url.search.slice(1),
    query: Object.fromEntries(url.searchParams),
    url: url.href,
  };
}

async function handle(req, res) {
  if (req.url === '/__opr/health') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
    return;
  }
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  if (secret !== '' && req.headers['x-open-runtimes-secret'] !== secret) {
    res.writeHead(500).end('Unauthorized. Provide correct "x-open-runtimes-secret" header.');
    return;
  }
  const timeoutS = Number(req.headers['x-open-runtimes-timeout'] ?? 0);
  const logging = req.headers['x-open-runtimes-logging'] !== 'disabled';
  const logId = String(req.headers['x-open-runtimes-log-id'] || randomBytes(10).toString('hex'));
  const logs = [];
  const errors = [];
  const context = {
    req: makeRequest(req, Buffer.concat(chunks)),
    res: makeResponse(),
    log: (...values) => logs.push(values.map(stringify).join(' ')),
    error: (...values) => errors.push(values.map(stringify).join(' ')),
  };
  let output;
  try {
    if (!userFunction) throw new Error('No entrypoint configured (OPEN_RUNTIMES_ENTRYPOINT is empty).');
    const run = Promise.resolve(userFunction(context));
    // At the timeout the runtime answers itself (500, "Execution timed out." in errors), as Open
    // Runtimes servers do; the executor waits 5 s longer for this answer.
    output =
      timeoutS > 0
        ? await Promise.race([
            run,
            new Promise((_, reject) =>
              setTimeout(() => reject(new Error('Execution timed out.')), timeoutS * 1000).unref(),
            ),
          ])
        : await run;
    if (output === undefined || output === null || !Buffer.isBuffer(output.body)) {
      throw new Error('Return statement missing. return context.res.empty() if no response is expected.');
    }
  } catch (error) {
    errors.push(stringify(error));
    output = { body: Buffer.alloc(0), statusCode: 500, headers: {} };
  }
  if (logging && (logs.length > 0 || errors.length > 0)) {
    mkdirSync(logsDir, { recursive: true });
    if (logs.length > 0) appendFileSync(resolve(logsDir, `${logId}_logs.log`), `${logs.join('\n')}\n`);
    if (errors.length > 0) appendFileSync(resolve(logsDir, `${logId}_errors.log`), `${errors.join('\n')}\n`);
  }
  const headers = {};
  for (const [k, v] of Object.entries(output.headers ?? {})) {
    if (!k.toLowerCase().startsWith('x-open-runtimes-')) headers[k.toLowerCase()] = v;
  }
  headers['x-open-runtimes-log-id'] = logId;
  res.writeHead(output.statusCode ?? 200, headers).end(output.body);
}

const server = createServer((req, res) => {
  handle(req, res).catch((error) => {
    if (!res.headersSent) res.writeHead(500);
    res.end(String(error));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, listenHost, () => console.log(`HTTP server successfully started on port ${port}`));
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
