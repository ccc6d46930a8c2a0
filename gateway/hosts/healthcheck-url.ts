import { request } from 'undici';
import type { Logger } from '../../lib/logger.ts';

/**
 * open-runtimes/proxy's `OPR_PROXY_HEALTHCHECK_URL`: after a health check in which every executor
 * host was healthy, the URL is fetched with `GET` (a heartbeat for an uptime monitor, which then
 * alarms when the heartbeats stop). Pure decision, thin I/O: `due` says whether to fetch now, `ping`
 * fetches and never throws (a failure is logged with the URL's origin only: heartbeat URLs carry
 * their token in the path).
 */
export class HealthcheckUrl {
  private lastAt: number | undefined;
  private inFlight = false;
  private readonly origin: string;

  constructor(
    private readonly url: string,
    private readonly interval: number,
    private readonly timeout: number,
    private readonly logger: Logger,
  ) {
    this.origin = new URL(url).origin;
  }

  /** Whether a check that ended at `now` with `allHealthy` should fetch the URL. */
  due(now: number, allHealthy: boolean): boolean {
    if (!allHealthy || this.inFlight) return false;
    return this.lastAt === undefined || now - this.lastAt >= this.interval;
  }

  /** Fetches the URL (after `due` said so); resolves when done, whatever happened. */
  async ping(now: number): Promise<void> {
    this.lastAt = now;
    this.inFlight = true;
    try {
      const res = await request(this.url, { method: 'GET', signal: AbortSignal.timeout(this.timeout) });
      await res.body.dump();
      if (res.statusCode >= 400)
        this.logger.warn({ url: this.origin, status: res.statusCode }, 'health-check URL answered an error');
    } catch (error) {
      this.logger.warn({ url: this.origin, err: (error as Error).message }, 'health-check URL failed');
    } finally {
      this.inFlight = false;
    }
  }
}
