import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, type Tracked, waitForPort } from './procs.ts';

/** A backend server line for a peer config. */
export interface PeerServer {
  /** Stable name (HAProxy server name / fixed id). */
  name: string;
  port: number;
  /** Fixed numeric id (HAProxy `id`), so hashing does not depend on line order. */
  id: number;
}

/** HAProxy's `global` + `defaults` for every benchmark (shown in docs/benchmarks.md). */
export function haproxyPreamble(): string {
  return [
    'global',
    '    maxconn 4000',
    '    nbthread 1',
    'defaults',
    '    mode http',
    '    timeout connect 5s',
    '    timeout client 60s',
    '    timeout server 60s',
    '    option http-keep-alive',
    '',
  ].join('\n');
}

/** The overhead config (docs/benchmarks.md): one backend, keep-alive both sides, `http-reuse always`. */
export function haproxyOverheadConfig(listenPort: number, backendPort: number): string {
  return `${haproxyPreamble()}frontend fe
    bind 127.0.0.1:${listenPort}
    default_backend be
backend be
    http-reuse always
    server b1 127.0.0.1:${backendPort} maxconn 256
`;
}

/** The balancing lines of one HAProxy routing variant (docs/benchmarks.md, routing). */
export type HaproxyBalance =
  | { kind: 'hash'; balanceFactor: number }
  | { kind: 'roundrobin' }
  | { kind: 'random' };

/**
 * The routing config (docs/benchmarks.md): hash on the `<runtimeId>` path segment, consistent sdbm
 * avalanche, `hash-balance-factor` (0 = plain consistent hashing), `httpchk` on `/v1/health`, fixed
 * server ids, weight 100 (16 points per unit of weight, so 1600 points per server). Servers named in
 * `disabled` start in maintenance (the host to be added mid-run, enabled through the runtime API).
 * `retries 2` + `option redispatch 1` give HAProxy the same connect-failure failover Fleetgate has.
 */
export function haproxyRoutingConfig(
  listenPort: number,
  socketPath: string,
  servers: readonly PeerServer[],
  balance: HaproxyBalance,
  disabled: ReadonlySet<string>,
): string {
  const balanceLines =
    balance.kind === 'hash'
      ? [
          '    balance hash path,field(4,/)',
          '    hash-type consistent sdbm avalanche',
          ...(balance.balanceFactor > 0 ? [`    hash-balance-factor ${balance.balanceFactor}`] : []),
        ]
      : [`    balance ${balance.kind}`];
  const serverLines = servers.map(
    (s) => `    server ${s.name} 127.0.0.1:${s.port} id ${s.id}${disabled.has(s.name) ? ' disabled' : ''}`,
  );
  return `${haproxyPreamble().replace('    nbthread 1\n', `    nbthread 1\n    stats socket ${socketPath} mode 600 level admin\n`)}frontend fe
    bind 127.0.0.1:${listenPort}
    default_backend be
backend be
${balanceLines.join('\n')}
    option httpchk GET /v1/health
    http-reuse always
    retries 2
    option redispatch 1
    timeout server 120s
    default-server check inter 500ms fall 2 rise 2 weight 100
${serverLines.join('\n')}
`;
}

/** Writes `config` to `<dir>/haproxy.cfg`, checks it with `haproxy -c`, starts `haproxy -db`. */
export async function startHaproxy(
  dir: string,
  config: string,
  listenPort: number,
  cpus?: string,
): Promise<Tracked> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  const proc = startProcess('haproxy', 'haproxy', ['-db', '-f', file], { cpus, cwd: dir });
  await waitForPort(listenPort, 15_000, proc);
  return proc;
}

/** Temp paths and pid file inside `dir`, so nginx runs without root-owned defaults. */
function nginxCommon(dir: string): string {
  return `worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
`;
}

function nginxHttpCommon(dir: string): string {
  return `    access_log off;
    client_body_temp_path ${join(dir, 'client_body')};
    proxy_temp_path ${join(dir, 'proxy')};
    fastcgi_temp_path ${join(dir, 'fastcgi')};
    uwsgi_temp_path ${join(dir, 'uwsgi')};
    scgi_temp_path ${join(dir, 'scgi')};
`;
}

/** The overhead config (docs/benchmarks.md): one worker, keep-alive upstream. */
export function nginxOverheadConfig(dir: string, listenPort: number, backendPort: number): string {
  return `${nginxCommon(dir)}http {
${nginxHttpCommon(dir)}    upstream be {
        server 127.0.0.1:${backendPort};
        keepalive 128;
    }
    server {
        listen 127.0.0.1:${listenPort};
        location / {
            proxy_pass http://be;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
`;
}

/**
 * The routing config (docs/benchmarks.md): the runtime id from the path, `hash $runtime_id consistent`
 * (ketama, 160 points per unit of weight; no bounded loads). `servers` may be rewritten and reloaded.
 */
export function nginxRoutingConfig(
  dir: string,
  listenPort: number,
  servers: readonly (PeerServer & { down?: boolean })[],
): string {
  const lines = servers
    .map((s) => `        server 127.0.0.1:${s.port} max_fails=2 fail_timeout=5s${s.down ? ' down' : ''};`)
    .join('\n');
  return `${nginxCommon(dir)}http {
${nginxHttpCommon(dir)}    map $uri $runtime_id {
        ~^/v1/runtimes/(?<rid>[^/]+) $rid;
        default "";
    }
    upstream be {
        hash $runtime_id consistent;
${lines}
        keepalive 128;
    }
    server {
        listen 127.0.0.1:${listenPort};
        location / {
            proxy_pass http://be;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_read_timeout 120s;
            proxy_next_upstream error timeout;
        }
    }
}
`;
}

/** Writes `<dir>/nginx.conf` and starts nginx in the foreground with `-p dir -e dir/error.log`. */
export async function startNginx(
  dir: string,
  config: string,
  listenPort: number,
  cpus?: string,
): Promise<Tracked> {
  mkdirSync(dir, { recursive: true });
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'logs']) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, config);
  const proc = startProcess(
    'nginx',
    'nginx',
    ['-p', dir, '-e', join(dir, 'error.log'), '-c', file, '-g', 'daemon off;'],
    { cpus, cwd: dir },
  );
  await waitForPort(listenPort, 15_000, proc);
  return proc;
}
