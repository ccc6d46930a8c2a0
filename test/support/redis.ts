import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { freePort } from '../../lib/free-port.ts';
import { type ManagedProcess, requireBinary, startProcess } from './processes.ts';

/** Options for a test Redis. */
export interface StartRedisOptions {
  /**
   * Serves TLS only (`--port 0 --tls-port P`) with a fresh self-signed certificate for 127.0.0.1
   * (made with `openssl`); the URL is `rediss://` and `caFile` is the certificate to trust.
   * Not combinable with `cluster`.
   */
  tls?: boolean;
  /** Sets `--requirepass`; the returned `url` carries it. */
  password?: string;
  /** Starts the node with `--cluster-enabled yes` and assigns it every slot: a one-node Redis Cluster. */
  cluster?: boolean;
  /**
   * Keeps data across `kill()`/`restart()` (append-only file, fsync on every write), like a production
   * Redis with AOF. Default false: `--save '' --appendonly no`, so a restart starts empty.
   */
  persist?: boolean;
  /** Extra `redis-server` arguments. */
  args?: string[];
}

/** A running `redis-server` owned by a test. */
export interface TestRedis {
  /** `redis://[:password@]127.0.0.1:<port>` (`rediss://…` with TLS, `redis-cluster://…` for a cluster node). */
  readonly url: string;
  /** With `tls`: the PEM certificate clients must trust. */
  readonly caFile?: string;
  readonly host: string;
  readonly port: number;
  /** Current pid (changes after `restart()`). */
  readonly pid: number;
  /** SIGTERM, then SIGKILL after a deadline; idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after `stop()`/`kill()`, or stops it first); data kept only with `persist`. */
  restart(): Promise<void>;
  /** Sends one command over a raw connection and returns the raw RESP reply; for test setup. */
  command(...args: string[]): Promise<string>;
}

const HOST = '127.0.0.1';

/**
 * Starts a real `redis-server` on a free port with no persistence and waits until it answers PING.
 * Fails with a clear message naming `redis-server` when it is not installed.
 * Call `stop()` in `afterAll`; a process left behind by a failed test is killed when the worker exits.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  if (options.tls && options.cluster) throw new Error('startRedis: tls and cluster cannot be combined');
  const dir = mkdtempSync(join(tmpdir(), 'fleetgate-redis-'));
  const caFile = options.tls ? makeCertificate(dir) : undefined;
  let port = 0;
  let proc: ManagedProcess | undefined;
  // Another parallel test may grab the free port between probe and bind: try a few ports.
  for (let attempt = 1; !proc; attempt++) {
    port = await freePort();
    try {
      proc = await launch(port, dir, options);
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('Address already in use')) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  const conn = { port, password: options.password, tls: options.tls };
  if (options.cluster) await assignAllSlots(conn);

  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  const scheme = options.cluster ? 'redis-cluster' : options.tls ? 'rediss' : 'redis';
  let current: ManagedProcess = proc;
  let removed = false;
  const redis: TestRedis = {
    url: `${scheme}://${auth}${HOST}:${port}`,
    ...(caFile ? { caFile } : {}),
    host: HOST,
    port,
    get pid() {
      return current.pid;
    },
    async stop() {
      await current.stop();
      if (!removed) {
        removed = true;
        rmSync(dir, { recursive: true, force: true });
      }
    },
    async kill() {
      await current.kill();
    },
    async restart() {
      await current.stop();
      if (!options.persist) {
        rmSync(join(dir, 'data'), { recursive: true, force: true });
        mkdirSync(join(dir, 'data'), { recursive: true });
      }
      current = await launch(port, dir, options);
      if (options.cluster) await assignAllSlots(conn);
    },
    command: (...args) => rawCommand(conn, args),
  };
  return redis;
}

function launch(port: number, dir: string, options: StartRedisOptions): Promise<ManagedProcess> {
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const listen = options.tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        join(dir, 'cert.pem'),
        '--tls-key-file',
        join(dir, 'key.pem'),
        '--tls-ca-cert-file',
        join(dir, 'cert.pem'),
        '--tls-auth-clients',
        'no',
      ]
    : ['--port', String(port)];
  const args = [
    ...listen,
    '--bind',
    HOST,
    '--save',
    '',
    '--appendonly',
    options.persist ? 'yes' : 'no',
    '--dir',
    data,
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
  ];
  if (options.persist) args.push('--appendfsync', 'always');
  if (options.password) args.push('--requirepass', options.password);
  if (options.cluster) {
    args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(data, 'nodes.conf'));
    // A lone node does not know its own address (CLUSTER SLOTS reports ""), so announce it.
    args.push('--cluster-announce-ip', HOST);
  }
  args.push(...(options.args ?? []));
  return startProcess({
    name: `redis-server on port ${port}`,
    command: 'redis-server',
    packageHint: 'redis-server',
    args,
    ready: async () =>
      (await rawCommand({ port, password: options.password, tls: options.tls }, ['PING'])).startsWith(
        '+PONG',
      ),
  });
}

/** A self-signed EC certificate for 127.0.0.1 (fast to generate); returns the certificate's path. */
function makeCertificate(dir: string): string {
  requireBinary('openssl', 'openssl');
  const cert = join(dir, 'cert.pem');
  const result = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${HOST}`,
      '-addext',
      `subjectAltName=IP:${HOST}`,
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      cert,
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`openssl could not make a test certificate: ${result.stderr}`);
  return cert;
}

/** A one-node cluster owns all 16384 slots; wait until it reports `cluster_state:ok`. */
async function assignAllSlots(conn: Conn): Promise<void> {
  const reply = await rawCommand(conn, ['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
  // After a persistent restart the node remembers its slots ("already busy"): nothing to do then.
  if (!reply.startsWith('+OK') && !reply.includes('already busy'))
    throw new Error(`CLUSTER ADDSLOTSRANGE failed: ${reply}`);
  const until = Date.now() + 15_000;
  while (!(await rawCommand(conn, ['CLUSTER', 'INFO'])).includes('cluster_state:ok')) {
    if (Date.now() > until)
      throw new Error(`Redis cluster on port ${conn.port} did not reach cluster_state:ok`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * One command (after AUTH when a password is set) over a fresh TCP connection; resolves with the
 * raw reply of the last command once the socket has been idle briefly or closed. Rejects on connect errors.
 */
interface Conn {
  port: number;
  password?: string | undefined;
  tls?: boolean | undefined;
}

function rawCommand({ port, password, tls }: Conn, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // The probe only checks liveness, so it does not verify the test certificate.
    const socket = tls
      ? tlsConnect({ host: HOST, port, rejectUnauthorized: false })
      : createConnection({ host: HOST, port });
    const expected = password ? 2 : 1;
    let data = '';
    socket.setTimeout(2000, () => {
      socket.destroy();
      reject(new Error(`no reply from Redis on port ${port}`));
    });
    socket.once('error', reject);
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      socket.write((password ? encode(['AUTH', password]) : '') + encode(args));
    });
    socket.on('data', (chunk) => {
      data += chunk.toString();
      // Replies here are simple strings, errors or one bulk string: count complete top-level replies.
      const replies = splitReplies(data);
      if (replies.length >= expected) {
        socket.destroy();
        resolve(replies[expected - 1] ?? '');
      }
    });
  });
}

/** Splits simple-string, error, integer and bulk-string replies; enough for PING, AUTH and CLUSTER. */
function splitReplies(data: string): string[] {
  const out: string[] = [];
  let rest = data;
  while (rest.length > 0) {
    const eol = rest.indexOf('\r\n');
    if (eol < 0) break;
    if (rest[0] === '$' || rest[0] === '=') {
      const len = Number(rest.slice(1, eol));
      const end = eol + 2 + Math.max(len, 0) + (len >= 0 ? 2 : 0);
      if (Buffer.byteLength(rest) < end) break;
      out.push(rest.slice(0, end));
      rest = rest.slice(end);
    } else {
      out.push(rest.slice(0, eol));
      rest = rest.slice(eol + 2);
    }
  }
  return out;
}

/** A running Redis Sentinel that monitors one master. */
export interface TestSentinel {
  /** `127.0.0.1:<port>`, as `registry.sentinel.sentinels` takes it. */
  readonly address: string;
  readonly port: number;
  readonly pid: number;
  /** Master group name. */
  readonly name: string;
  stop(): Promise<void>;
  /** One command to this Sentinel over a raw connection (first line of an array reply). */
  command(...args: string[]): Promise<string>;
}

/** Options of {@link startSentinel}. */
export interface StartSentinelOptions {
  /** Sentinels that must agree the master is down before a failover; default 1. */
  quorum?: number;
  /** `down-after-milliseconds`; default 1000 (Redis's default is 30 s, too slow for a test). */
  downAfterMs?: number;
}

/**
 * Starts `redis-server --sentinel` monitoring the given master and waits until it reports the
 * master's address. Stop it in `afterAll`, before the master.
 */
export async function startSentinel(
  master: TestRedis,
  name = 'fleetgate-master',
  options: StartSentinelOptions = {},
): Promise<TestSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetgate-sentinel-'));
  const port = await freePort();
  const config = join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file, so it must be a writable file of its own.
  writeFileSync(
    config,
    [
      `port ${port}`,
      `bind ${HOST}`,
      `dir ${dir}`,
      `sentinel monitor ${name} ${HOST} ${master.port} ${options.quorum ?? 1}`,
      `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1000}`,
      // A failover that stalls is retried after this (default 3 min).
      `sentinel failover-timeout ${name} 10000`,
      '',
    ].join('\n'),
  );
  const proc = await startProcess({
    name: `redis sentinel on port ${port}`,
    command: 'redis-server',
    packageHint: 'redis-server',
    args: [config, '--sentinel'],
    ready: async () =>
      (await rawCommand({ port }, ['SENTINEL', 'get-master-addr-by-name', name])).startsWith('*2'),
  });
  return {
    address: `${HOST}:${port}`,
    port,
    pid: proc.pid,
    name,
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    command: (...args) => rawCommand({ port }, args),
  };
}
