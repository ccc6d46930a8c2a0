import { request } from 'undici';
import { FleetgateError } from '../lib/errors.ts';
import { parseCommandArgs, parseGatewayOption, parseTimeoutOption } from './args.ts';
import { type FleetReport, formatFleet } from './dev/fleet-table.ts';
import type { CliIO, Command } from './io.ts';

const HELP = `Usage: fleetgate fleet [options]

Asks a gateway for its view of the fleet (GET /v1/fleet) and prints, per host: state, health,
requests in flight, share of the ring and the runtimes it holds warm.

Options:
  --gateway URL    Gateway base URL (env FLEETGATE_GATEWAY_URL; default http://127.0.0.1:8080)
  --secret S       Gateway secret or admin token (env FLEETGATE_GATEWAY_SECRET or OPR_PROXY_SECRET)
  --timeout D      How long to wait for the gateway (default 5s)
  --json           Print the gateway's answer as JSON
  -h, --help       Show this help

Exit status: 0 ok, 1 the gateway could not be reached or refused, 2 bad usage.
`;

const OPTIONS = {
  gateway: { type: 'string' },
  secret: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Fetches `GET /v1/fleet`; failures are FleetgateErrors that say what went wrong. */
export async function fetchFleet(
  gateway: string,
  secret: string | undefined,
  timeoutMs: number,
): Promise<FleetReport> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (secret !== undefined) headers.authorization = `Bearer ${secret}`;
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(new URL('/v1/fleet', gateway), {
      headers,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).name;
    throw new FleetgateError('CLI_GATEWAY_UNREACHABLE', `cannot reach the gateway at ${gateway} (${code})`, {
      cause: error,
    });
  }
  const text = await res.body.text();
  if (res.statusCode === 401) {
    throw new FleetgateError(
      'CLI_GATEWAY_REFUSED',
      `the gateway at ${gateway} refused the secret (401)${secret === undefined ? ': give --secret or FLEETGATE_GATEWAY_SECRET' : ''}`,
    );
  }
  if (res.statusCode !== 200) {
    throw new FleetgateError(
      'CLI_GATEWAY_REFUSED',
      `GET ${gateway}/v1/fleet answered ${res.statusCode}: ${text.slice(0, 200)}`,
    );
  }
  try {
    const report = JSON.parse(text) as FleetReport;
    if (!Array.isArray(report.hosts)) throw new Error('no hosts array');
    return report;
  } catch (error) {
    throw new FleetgateError(
      'CLI_GATEWAY_REFUSED',
      `GET ${gateway}/v1/fleet did not answer a fleet report: ${(error as Error).message}`,
    );
  }
}

/** `fleetgate fleet`: a gateway's live view of its hosts. */
export const fleetCommand: Command = {
  summary: "Show a gateway's hosts: health, in-flight, ring share, warm runtimes",
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parseCommandArgs(argv, OPTIONS, false);
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const gateway = parseGatewayOption(values.gateway, io.env);
    const timeoutMs = parseTimeoutOption(values.timeout);
    const secret = values.secret ?? io.env.FLEETGATE_GATEWAY_SECRET ?? io.env.OPR_PROXY_SECRET;
    const report = await fetchFleet(gateway, secret, timeoutMs);
    io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatFleet(report));
    return 0;
  },
};
