/**
 * The peer configurations as the benchmarks write them, rendered for docs/benchmarks.md (the
 * `peer-configs` block, kept in sync by `npm run docs:write` and its test). Ports and paths are
 * placeholders: each run picks free ports and a temporary folder.
 */
import { fleetgateRoutingConfig } from '../routing/targets.ts';
import {
  haproxyOverheadConfig,
  haproxyRoutingConfig,
  nginxOverheadConfig,
  nginxRoutingConfig,
  type PeerServer,
} from './peers.ts';

/** The generated block of docs/benchmarks.md holding the peer configurations. */
export const PEER_CONFIG_BLOCK = 'peer-configs';

const RUN_DIR = '<run-dir>';
const LISTEN = 8080;
const BACKEND = 9000;
const SERVERS: PeerServer[] = [1, 2, 3, 4, 5].map((n) => ({ name: `e${n}`, port: 9000 + n, id: n }));

const fence = (lang: string, text: string) => `\`\`\`${lang}\n${text.trimEnd()}\n\`\`\``;

/** Markdown: every peer's configuration file, overhead then routing, with the ports above. */
export function renderPeerConfigs(): string {
  const parts = [
    `Ports in these files are examples (the proxy listens on ${LISTEN}, the overhead backend on ${BACKEND},`,
    `executors e1–e5 on ${SERVERS[0]!.port}–${SERVERS.at(-1)!.port}); \`${RUN_DIR}\` is the run's temporary folder.`,
    '',
    '**bench:overhead, HAProxy** (`haproxyOverheadConfig`, run as `haproxy -db -f haproxy.cfg`):',
    '',
    fence('haproxy', haproxyOverheadConfig(LISTEN, BACKEND)),
    '',
    '**bench:overhead, nginx** (`nginxOverheadConfig`, run as `nginx -p <run-dir> -e <run-dir>/error.log -c nginx.conf -g "daemon off;"`):',
    '',
    fence('nginx', nginxOverheadConfig(RUN_DIR, LISTEN, BACKEND)),
    '',
    '**bench:overhead, Fleetgate**: `fleetgate gateway` with only environment variables, the drop-in way:',
    `\`PORT=${LISTEN} OPR_PROXY_EXECUTORS=127.0.0.1:${BACKEND} OPR_PROXY_SECRET=… OPR_PROXY_EXECUTOR_SECRET=… FLEETGATE_LOG_LEVEL=warn\`.`,
    '',
    '**bench:routing, HAProxy** (`haproxyRoutingConfig`; e5 starts `disabled` and is enabled through the',
    'stats socket). This is the `hash-balance-factor 125` variant; the factor-0 variant has no',
    '`hash-balance-factor` line, and round-robin and random replace the three balancing lines with',
    '`balance roundrobin` or `balance random`:',
    '',
    fence(
      'haproxy',
      haproxyRoutingConfig(
        LISTEN,
        `${RUN_DIR}/admin.sock`,
        SERVERS,
        { kind: 'hash', balanceFactor: 125 },
        new Set(['e5']),
      ),
    ),
    '',
    '**bench:routing, nginx** (`nginxRoutingConfig`, e1–e4 at the start; e5 is added and e2 marked `down`',
    'by rewriting the file and sending `SIGHUP`):',
    '',
    fence('nginx', nginxRoutingConfig(RUN_DIR, LISTEN, SERVERS.slice(0, 4))),
    '',
    '**bench:routing, Fleetgate** (`fleetgateRoutingConfig`, the default `anycast-efficient` variant; the',
    'others set `boundedLoads: false`, `warmPreference: false`, or send',
    "`x-opr-addressing-method: anycast-fast`). Hosts are registered in the run's own Redis:",
    '',
    fence(
      'yaml',
      fleetgateRoutingConfig('bench', 'redis://127.0.0.1:6379', LISTEN, '<secret>', {
        addressing: 'anycast-efficient',
        boundedLoads: true,
        warmPreference: true,
      }),
    ),
    '',
  ];
  return parts.join('\n');
}
