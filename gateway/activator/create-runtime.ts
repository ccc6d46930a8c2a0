import type { Dispatcher } from 'undici';
import { isConnectError, isTimeoutError } from '../../lib/network-errors.ts';
import type { AttemptOutcome } from '../balancer/balancer.ts';
import type { CreateFields } from './create-fields.ts';

/** How a create sent by the activator ended. */
export interface CreateResult {
  /** `created` (201), `exists` (409: created by another call, or still starting), `failed`. */
  kind: 'created' | 'exists' | 'failed';
  /** What the balancer learns from it (placement, passive health). */
  outcome: AttemptOutcome;
  /** The executor's status, when it answered. */
  status?: number;
}

/**
 * Sends `POST /v1/runtimes` for `runtimeId` with the execution's runtime fields to one host, waiting
 * at most `timeoutMs` for the answer. Never rejects. The executor secret is the gateway's; the
 * client's credential is never sent.
 */
export async function createRuntime(
  pool: Dispatcher,
  runtimeId: string,
  fields: CreateFields,
  authorization: string,
  timeoutMs: number,
): Promise<CreateResult> {
  const began = performance.now();
  const wait = Math.max(1, Math.round(timeoutMs));
  try {
    const res = await pool.request({
      method: 'POST',
      path: '/v1/runtimes',
      headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ runtimeId, ...fields }),
      headersTimeout: wait,
      bodyTimeout: wait,
    });
    const text = Buffer.from(await res.body.arrayBuffer());
    const status = res.statusCode;
    const outcome: AttemptOutcome = {
      kind: 'done',
      status,
      peek: status === 404 ? text.subarray(0, 512) : undefined,
      headersSeconds: (performance.now() - began) / 1000,
    };
    const kind =
      status === 201 || (status >= 200 && status < 300) ? 'created' : status === 409 ? 'exists' : 'failed';
    return { kind, outcome, status };
  } catch (error) {
    const err = error as Error;
    const outcome: AttemptOutcome = isConnectError(err)
      ? { kind: 'connect', error: err }
      : { kind: 'failed', error: err, timeout: isTimeoutError(err) };
    return { kind: 'failed', outcome };
  }
}
