import { request } from 'undici';
import { FleetgateError, UsageError } from '../lib/errors.ts';
import { parseCommandArgs, parseGatewayOption, parseTimeoutOption } from './args.ts';
import type { CliIO, Command } from './io.ts';

const HELP = `Usage: fleetgate runtimes explain RUNTIME_ID [options]

Asks a gateway what its keep-warm knows of one runtime (GET /v1/fleet/lifetime?runtime=ID) and
prints its idle-time histogram, the hosts where it is warm, the plan of the hybrid histogram policy
(histogram, fixed keep-alive, pinned) and the next planned pre-warm.

Options:
  --gateway URL    Gateway base URL (env FLEETGATE_GATEWAY_URL; default http://127.0.0.1:8080)
  --token T        The gateway's admin token (env FLEETGATE_ADMIN_TOKEN)
  --timeout D      How long to wait for the gateway (default 5s)
  --json           Print the gateway's answer as JSON
  -h, --help       Show this help

Exit status: 0 ok, 1 the gateway could not be reached, refused, or knows nothing of the runtime, 2 bad usage.
`;

const OPTIONS = {
  gateway: { type: 'string' },
  token: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** The gateway's answer (gateway/lifetime/keeper.ts RuntimeReport, plus `enabled`). */
export interface LifetimeReport {
  enabled: boolean;
  runtimeId: string;
  warmOn?: string[];
  lastCallAt?: number;
  running?: number;
  idleTimes?: { total: number; outOfBounds: number; binMs: number; bins: Array<[number, number]> };
  plan?: { basis: string; warmFrom: number; warmUntil: number; head?: number; tail?: number; why?: string };
  pin?: {
    pattern: string;
    alwaysWarm: boolean;
    maxIdle?: number;
    minWarm: number;
    windows: string[];
    inWindow: boolean;
    nextWindowAt?: number;
    keptByMinWarm: boolean;
  };
  wantsWarmNow?: boolean;
  nextPrewarmAt?: number;
  canPrewarm?: boolean;
  /** `local`, `elected` (this gateway is the pool's keeper) or `follower`. */
  keeper?: string;
  /** How long its surplus (overflow) copies are kept after their last call. */
  surplusCopies?: { idle: number; basis: string; why?: string; overflowGaps: number };
}

/** `fleetgate runtimes explain ID`. */
export const runtimesCommand: Command = {
  summary: "Explain a runtime's keep-warm state: idle-time histogram, plan, next pre-warm",
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, true);
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    if (positionals[0] !== 'explain' || positionals.length !== 2) {
      throw new UsageError('expected: fleetgate runtimes explain RUNTIME_ID');
    }
    const gateway = parseGatewayOption(values.gateway, io.env);
    const timeoutMs = parseTimeoutOption(values.timeout);
    const token = values.token ?? io.env.FLEETGATE_ADMIN_TOKEN;
    const url = new URL('/v1/fleet/lifetime', gateway);
    url.searchParams.set('runtime', positionals[1]!);
    const report = await fetchReport(url, token, timeoutMs);
    io.stdout.write(
      values.json ? `${JSON.stringify(report, null, 2)}\n` : formatLifetime(report, Date.now()),
    );
    return 0;
  },
};

async function fetchReport(url: URL, token: string | undefined, timeoutMs: number): Promise<LifetimeReport> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(url, { headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).name;
    throw new FleetgateError(
      'CLI_GATEWAY_UNREACHABLE',
      `cannot reach the gateway at ${url.origin} (${code})`,
      {
        cause: error,
      },
    );
  }
  const text = await res.body.text();
  if (res.statusCode === 401) {
    throw new FleetgateError(
      'CLI_GATEWAY_REFUSED',
      `the gateway at ${url.origin} refused the admin token (401)${token === undefined ? ': give --token or FLEETGATE_ADMIN_TOKEN' : ''}`,
    );
  }
  if (res.statusCode === 404) {
    throw new FleetgateError(
      'CLI_RUNTIME_UNKNOWN',
      `the gateway has no history of ${url.searchParams.get('runtime')}`,
    );
  }
  if (res.statusCode !== 200) {
    throw new FleetgateError(
      'CLI_GATEWAY_REFUSED',
      `GET ${url} answered ${res.statusCode}: ${text.slice(0, 200)}`,
    );
  }
  return JSON.parse(text) as LifetimeReport;
}

/** The report as text: state, plan, histogram (one bar per non-empty bin). Pure. */
export function formatLifetime(r: LifetimeReport, now: number): string {
  if (!r.enabled) return `keep-warm is off in this gateway (gateway.keepWarm.enabled: false)\n`;
  const s = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const at = (t: number | undefined) =>
    t === undefined
      ? '-'
      : `${new Date(t).toISOString()} (${s(Math.abs(t - now))} ${t >= now ? 'from now' : 'ago'})`;
  const lines = [
    `runtime         ${r.runtimeId}`,
    `warm on         ${r.warmOn?.length ? r.warmOn.join(', ') : '(no host)'}`,
    `last call       ${at(r.lastCallAt)}${r.running ? `, ${r.running} running` : ''}`,
  ];
  if (r.keeper !== undefined && r.keeper !== 'local')
    lines.push(`keeper          ${r.keeper === 'elected' ? 'this gateway (elected)' : 'another gateway'}`);
  const p = r.plan;
  if (p !== undefined) {
    const basis =
      p.basis === 'histogram'
        ? `histogram (head ${s(p.head ?? 0)}, tail ${s(p.tail ?? 0)})`
        : p.basis === 'forecast'
          ? `forecast (next idle time ${s(p.head ?? 0)} to ${s(p.tail ?? 0)})`
          : p.basis === 'fixed'
            ? `fixed keep-alive (${p.why ?? 'histogram not used'})`
            : p.basis;
    lines.push(`plan            ${basis}`);
    lines.push(`warm from       ${at(p.warmFrom)}`);
    lines.push(`warm until      ${p.warmUntil >= Number.MAX_SAFE_INTEGER ? 'always' : at(p.warmUntil)}`);
  }
  const pin = r.pin;
  if (pin !== undefined) {
    const rules = [
      pin.alwaysWarm ? 'alwaysWarm' : undefined,
      pin.minWarm > 0
        ? `minWarm ${pin.minWarm} (${pin.keptByMinWarm ? 'keeps this one' : 'not this one'})`
        : undefined,
      pin.maxIdle === undefined ? undefined : `maxIdle ${s(pin.maxIdle)}`,
      pin.windows.length > 0
        ? `windows ${pin.windows.join('; ')} UTC (${pin.inWindow ? 'open now' : `next ${at(pin.nextWindowAt)}`})`
        : undefined,
    ].filter((x) => x !== undefined);
    lines.push(`pin             ${pin.pattern}${rules.length > 0 ? `: ${rules.join(', ')}` : ''}`);
  }
  lines.push(`wants warm now  ${r.wantsWarmNow ? 'yes' : 'no'}`);
  lines.push(
    `next pre-warm   ${r.nextPrewarmAt === undefined ? '-' : at(r.nextPrewarmAt)}${r.canPrewarm ? '' : ' (no runtime fields seen yet: cannot pre-warm)'}`,
  );
  const sc = r.surplusCopies;
  if (sc !== undefined)
    lines.push(
      `surplus copies  kept ${s(sc.idle)} after their last call (${sc.basis === 'learned' ? `learned from ${sc.overflowGaps} gaps between overflow episodes` : (sc.why ?? 'fixed')})`,
    );
  const h = r.idleTimes;
  if (h !== undefined) {
    lines.push(`idle times      ${h.total} (${h.outOfBounds} longer than the histogram)`);
    const max = Math.max(1, ...h.bins.map(([, c]) => c));
    for (const [from, count] of h.bins) {
      lines.push(
        `  ${s(from).padStart(9)} – ${s(from + h.binMs).padEnd(9)} ${'█'.repeat(Math.ceil((40 * count) / max))} ${count}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
