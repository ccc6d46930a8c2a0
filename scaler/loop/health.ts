import { request } from 'undici';

/**
 * Whether an executor answers `GET /v1/health` with 200 within `timeoutMs`: text `OK` (executor
 * ≥ 0.17) or the older JSON bodies both count. Never throws.
 */
export async function probeHealth(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await request(`${url.replace(/\/$/, '')}/v1/health`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    return res.statusCode === 200;
  } catch {
    return false;
  }
}
