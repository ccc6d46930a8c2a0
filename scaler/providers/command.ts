import { randomBytes } from 'node:crypto';
import { parseExecutorUrl } from '../../lib/executor-url.ts';
import type { Logger } from '../../lib/logger.ts';
import { redactTail } from '../../lib/redact.ts';
import { runShell, TAIL_CHARS, tail } from './run-shell.ts';
import { type CreateContext, type HostProvider, ProviderError, type ProvisionedHost } from './types.ts';

/** Options of the command provider. */
export interface CommandProviderOptions {
  pool: string;
  /** Shell command that creates a host and prints its base URL as the last line of stdout. */
  create: string;
  /** Shell command that destroys a host; gets FLEETGATE_HOST_ID and FLEETGATE_HOST_URL. */
  destroy: string;
  /** Bound on each command; past it the command's process group is killed. */
  timeoutMs: number;
  logger: Logger;
  /** Id generator; injected so tests are deterministic. */
  newId?: () => string;
}

/**
 * Runs operator-supplied shell commands. `create` runs with FLEETGATE_POOL and FLEETGATE_HOST_ID
 * (the id the host will have) and must print the host's URL as its last stdout line; `destroy` runs
 * with FLEETGATE_POOL, FLEETGATE_HOST_ID and FLEETGATE_HOST_URL. A non-zero exit, no URL, or no
 * exit within the timeout is a ProviderError; the output is logged either way.
 */
export function createCommandProvider(options: CommandProviderOptions): HostProvider {
  const log = options.logger.child({ component: 'provider', provider: 'command' });
  const newId = options.newId ?? (() => `${options.pool}-${randomBytes(4).toString('hex')}`);

  return {
    kind: 'command',
    async create({ signal }: CreateContext): Promise<ProvisionedHost> {
      const id = newId();
      const env = { FLEETGATE_POOL: options.pool, FLEETGATE_HOST_ID: id };
      const result = await runShell(options.create, env, options.timeoutMs, signal);
      log.info({ host: id, code: result.code, ...shown(result) }, 'create command ran');
      if (result.code !== 0) {
        throw new ProviderError(
          'PROVIDER_CREATE_FAILED',
          `create command exited with ${result.code ?? result.signal}\n${tail(result.stdout, result.stderr)}`,
        );
      }
      const last = result.stdout.trim().split('\n').at(-1)?.trim() ?? '';
      // The registry refuses what the gateway could not use (a path, credentials): say so here.
      const parsed = parseExecutorUrl(last, { bare: false });
      if (!parsed.ok) {
        throw new ProviderError(
          'PROVIDER_BAD_OUTPUT',
          `create command must print the host URL (http://host:port) as its last stdout line; it ${parsed.reason}, got "${redactTail(last.slice(0, 200), 200)}"`,
        );
      }
      return { id, url: parsed.url, labels: {} };
    },

    async destroy(host: ProvisionedHost, signal?: AbortSignal): Promise<void> {
      const env = { FLEETGATE_POOL: options.pool, FLEETGATE_HOST_ID: host.id, FLEETGATE_HOST_URL: host.url };
      const result = await runShell(options.destroy, env, options.timeoutMs, signal);
      log.info({ host: host.id, code: result.code, ...shown(result) }, 'destroy command ran');
      if (result.code !== 0) {
        throw new ProviderError(
          'PROVIDER_DESTROY_FAILED',
          `destroy command exited with ${result.code ?? result.signal}\n${tail(result.stdout, result.stderr)}`,
        );
      }
    },

    async close() {},
  };
}

/** A command's output as logged: truncated and redacted like the error messages. */
function shown(result: { stdout: string; stderr: string }) {
  return { stdout: redactTail(result.stdout, TAIL_CHARS), stderr: redactTail(result.stderr, TAIL_CHARS) };
}
