/**
 * A log line's time as the real executor writes it (PHP `Y-m-d\TH:i:s.vP` in UTC):
 * `2026-12-03T07:50:01.234+00:00`. Pure.
 */
export function logTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}
