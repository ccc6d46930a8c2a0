import { request } from 'undici';
import { HEALTH_BODY_LIMIT, parseHealthAnswer } from '../../lib/health-answer.ts';

/**
 * Whether an executor's `GET /v1/health` answer within `timeoutMs` is healthy, read by the same rule
 * as the gateway's health checker (`parseHealthAnswer`): a booting host the gateway would eject is not
 * activated. Never throws.
 */
export async function probeHealth(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await request(`${url.replace(/\/$/, '')}/v1/health`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      if (size < HEALTH_BODY_LIMIT) chunks.push(buf.subarray(0, HEALTH_BODY_LIMIT - size));
      size += buf.length;
    }
    return parseHealthAnswer(res.statusCode, Buffer.concat(chunks).toString('utf8')).ok;
  } catch {
    return false;
  }
}
