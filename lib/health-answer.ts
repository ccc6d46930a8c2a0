/**
 * The one reading of an executor's `GET /v1/health` answer, shared by the gateway's health checker
 * (eject/readmit) and the scaler (activate a booting host), so both call the same answer healthy.
 * Pure, no I/O.
 */

/** How many bytes of a `/v1/health` body are read: the legacy JSON lists every runtime. */
export const HEALTH_BODY_LIMIT = 256 * 1024;

/** What a `/v1/health` answer says: healthy or not, and the legacy load/placement fields when present. */
export interface HealthReport {
  ok: boolean;
  /** Host CPU usage in percent (executors ≤ 0.16). */
  usage?: number;
  /** Runtime ids the host reported (executors ≤ 0.16). */
  runtimes?: string[];
}

/**
 * Reads a `/v1/health` answer: 200 with text `OK` (executor ≥ 0.17) or the legacy JSON
 * `{status?: "pass", usage, runtimes}` (≤ 0.16) is healthy.
 */
export function parseHealthAnswer(status: number, body: string): HealthReport {
  if (status !== 200) return { ok: false };
  const text = body.trim();
  if (text === 'OK' || text === '') return { ok: true };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false };
  const o = parsed as Record<string, unknown>;
  if (o.status !== undefined && o.status !== 'pass') return { ok: false };
  const report: HealthReport = { ok: true };
  if (typeof o.usage === 'number' && Number.isFinite(o.usage)) report.usage = o.usage;
  if (o.runtimes !== null && typeof o.runtimes === 'object' && !Array.isArray(o.runtimes)) {
    report.runtimes = Object.keys(o.runtimes);
  }
  return report;
}
