import { Registry } from 'prom-client';
import { request } from 'undici';
import { createGateway, type Gateway } from '../../gateway/app.ts';
import type { GatewayOptionsInput } from '../../gateway/options.ts';
import { type RunningGateway, startGateway } from '../../gateway/server.ts';
import { systemClock } from '../../lib/clock.ts';
import { type Logger, silentLogger } from '../../lib/logger.ts';
import { seededRandom } from '../../lib/random.ts';
import type { HostRegistry } from '../../registry/types.ts';
import { TEST_EXECUTOR_SECRET } from '../support/executors.ts';

/** The gateway secret of the test gateways. */
export const GATEWAY_SECRET = 'gateway-test-secret';
/** `Authorization` header clients of the test gateways send. */
export const AUTH = `Bearer ${GATEWAY_SECRET}`;

/** A gateway on a real socket, for end-to-end tests. */
export interface TestGateway {
  url: string;
  gateway: Gateway;
  running: RunningGateway;
  metricsRegistry: Registry;
  close(): Promise<{ drained: boolean }>;
}

/** Starts a gateway on 127.0.0.1:0 with test-friendly (short) health and timeout settings. */
export async function startTestGateway(
  setup: {
    registry?: HostRegistry;
    pool?: string;
    options?: GatewayOptionsInput;
    random?: () => number;
    logger?: Logger;
  } = {},
): Promise<TestGateway> {
  const metricsRegistry = new Registry();
  const options: GatewayOptionsInput = {
    secret: GATEWAY_SECRET,
    executorSecret: TEST_EXECUTOR_SECRET,
    registryReloadInterval: 1_000,
    shutdownTimeout: 10_000,
    ...setup.options,
    healthCheck: {
      interval: 500,
      timeout: 1_000,
      ejectAfter: 2,
      ...setup.options?.healthCheck,
      probeBackoff: { min: 200, max: 1_000, ...setup.options?.healthCheck?.probeBackoff },
    },
  };
  const gateway = createGateway({
    registry: setup.registry,
    pool: setup.pool ?? 'default',
    clock: systemClock,
    logger: setup.logger ?? silentLogger(),
    metricsRegistry,
    options,
    random: setup.random ?? seededRandom(42),
  });
  const o = gateway.options;
  const running = await startGateway(
    gateway,
    {
      host: '127.0.0.1',
      port: 0,
      headersTimeout: o.headersTimeout,
      requestTimeout: o.requestTimeout,
      shutdownTimeout: o.shutdownTimeout,
    },
    silentLogger(),
  );
  return {
    url: `http://127.0.0.1:${running.port}`,
    gateway,
    running,
    metricsRegistry,
    close: () => running.close(),
  };
}

/** The tests' polling helper (`waitFor` of test/support/wait.ts), under the name the gateway tests use. */
export { waitFor as until } from '../support/wait.ts';

/** A JSON request through the gateway; returns status, headers and the parsed (or text) body. */
export async function call(
  url: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: unknown; auth?: string | null } = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response fields by name and assert on them
  body: any;
  text: string;
}> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.auth !== null) headers.authorization = opts.auth ?? AUTH;
  let body: string | Buffer | undefined;
  if (opts.body !== undefined) {
    if (Buffer.isBuffer(opts.body) || typeof opts.body === 'string') body = opts.body as string | Buffer;
    else {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  const res = await request(`${url}${path}`, {
    method: method as 'GET',
    headers,
    body,
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.statusCode, headers: res.headers, body: parsed, text };
}

/** Body of a simulated-runtime execution that cold-starts the runtime when needed. */
export function simExecution(extra: Record<string, unknown> = {}) {
  return { image: 'openruntimes/node:v5-22', source: '', entrypoint: 'index.mjs', timeout: 30, ...extra };
}
