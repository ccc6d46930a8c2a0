import { table } from '../../load/format.ts';

/** One host of a gateway's `GET /v1/fleet` answer (the fields the CLI shows). */
export interface FleetReportHost {
  id: string;
  url: string;
  state: string;
  /** `static` (configured list) or `registry`. */
  source?: string;
  healthy: boolean;
  consecutiveFailures?: number;
  lastError?: string | null;
  inflight: number;
  ringShare: number;
  warmRuntimeCount: number;
  warmRuntimes: string[];
}

/** A gateway's `GET /v1/fleet` answer. */
export interface FleetReport {
  pool: string;
  registry?: { version: number; stale: boolean; staleSeconds?: number };
  inflight: number;
  placements?: number;
  hosts: FleetReportHost[];
}

/** Up to `max` runtime ids, then "+N more". */
export function runtimeList(ids: string[], total: number, max = 3): string {
  if (total === 0) return '-';
  const shown = ids.slice(0, max).join(', ');
  return total > max ? `${shown}, +${total - max} more` : shown;
}

/** Health as one word, with the last error when unhealthy. */
export function healthText(h: FleetReportHost): string {
  if (h.healthy) return 'healthy';
  return h.lastError ? `unhealthy (${h.lastError})` : 'unhealthy';
}

/** The `fleetgate fleet` text: a summary line, then one row per host. */
export function formatFleet(report: FleetReport): string {
  const warm = report.hosts.reduce((n, h) => n + h.warmRuntimeCount, 0);
  const staticOnly = report.hosts.length > 0 && report.hosts.every((h) => h.source === 'static');
  const registry =
    report.registry && !(staticOnly && report.registry.version === 0)
      ? `registry v${report.registry.version}${report.registry.stale ? ' (STALE: routing on the last view)' : ''}`
      : 'static hosts';
  const head = `pool ${report.pool} · ${registry} · ${report.hosts.length} hosts · ${report.inflight} in flight · ${warm} warm runtimes`;
  if (report.hosts.length === 0) return `${head}\nno hosts\n`;
  const rows = [...report.hosts]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((h) => [
      h.id,
      h.url,
      h.state,
      healthText(h),
      String(h.inflight),
      `${(h.ringShare * 100).toFixed(1)}%`,
      String(h.warmRuntimeCount),
      runtimeList(h.warmRuntimes, h.warmRuntimeCount),
    ]);
  return `${head}\n${table([['id', 'url', 'state', 'health', 'in-flight', 'ring share', 'warm', 'runtimes'], ...rows])}\n`;
}
