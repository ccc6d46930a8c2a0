import { seededRandom } from '../../../lib/random.ts';
import { recordReliability } from '../../support/reliability.ts';
import {
  AMBIGUOUS_TAGS,
  Dice,
  EXPECT_NO_AUTH,
  type FuzzTarget,
  fuzzCase,
  GATEWAY_AMBIGUOUS_TAGS,
} from './generate.ts';
import { rawExchange } from './http-reply.ts';

/** A fuzz run's budget: stops at `cases` requests or after `budgetMs`, whichever comes first. */
export interface FuzzRunOptions {
  port: number;
  target: FuzzTarget;
  seed: number;
  cases: number;
  budgetMs: number;
  concurrency: number;
  /** Called after `checkpointAt` cases (e.g. to read RSS after a warm-up). */
  checkpointAt?: number;
  onCheckpoint?: () => void;
}

/** What a fuzz run saw. */
export interface FuzzReport {
  cases: number;
  byKind: Record<string, number>;
  byStatus: Record<string, number>;
  /** Cases that got a malformed answer, hung, or a 500 (an unexpected error). */
  bad: Array<{ n: number; kind: string; reason?: string; status?: number; tags: string[]; head: string }>;
}

/** Sends seeded random requests over raw sockets and classifies every answer. */
export async function runFuzz(o: FuzzRunOptions): Promise<FuzzReport> {
  const d = new Dice(seededRandom(o.seed));
  const deadline = Date.now() + o.budgetMs;
  const report: FuzzReport = { cases: 0, byKind: {}, byStatus: {}, bad: [] };
  let next = 0;
  const worker = async () => {
    while (next < o.cases && Date.now() < deadline) {
      const n = next++;
      // Cases are drawn in order from one seeded source, so a seed always yields the same cases.
      const c = fuzzCase(d, o.target);
      if (n === o.checkpointAt) o.onCheckpoint?.();
      const ex = await rawExchange(o.port, c.pieces, {
        head: c.method === 'HEAD',
        quietMs: 1_500,
        closeMs: 8_000,
      });
      report.cases++;
      report.byKind[ex.kind] = (report.byKind[ex.kind] ?? 0) + 1;
      for (const r of ex.responses) report.byStatus[r.status] = (report.byStatus[r.status] ?? 0) + 1;
      const status500 = ex.responses.find((r) => r.status === 500);
      // A log stream may break off mid-body when its upstream does (the gateway then closes the
      // connection so the client knows); anywhere else a cut response is a failure.
      const brokenOutsideStream = ex.kind === 'broken' && !c.tags.includes('path3');
      // Issue 18: an ambiguous request must never be executed, an unauthenticated one never invited.
      const ambiguous = [...AMBIGUOUS_TAGS, ...(o.target.gatewayRules ? GATEWAY_AMBIGUOUS_TAGS : [])];
      const executed =
        c.tags.some((t) => (ambiguous as string[]).includes(t)) &&
        ex.responses.some((r) => r.status >= 200 && r.status < 300) &&
        (!c.tags.includes('dup-id-field') || (c.method === 'POST' && c.tags.includes('path2'))) &&
        // The target's own paths (path4: health, metrics, fleet) read no runtime id, so repeated
        // id headers change nothing there.
        !(
          c.tags.includes('path4') &&
          c.tags.every((t) => t !== 'dot-path' && t !== 'many-headers' && t !== 'dup-id-field')
        );
      const invited = c.tags.includes(EXPECT_NO_AUTH) && ex.responses.some((r) => r.status === 100);
      if (
        ex.kind === 'malformed' ||
        ex.kind === 'hang' ||
        brokenOutsideStream ||
        status500 ||
        executed ||
        invited
      ) {
        report.bad.push({
          n,
          kind: ex.kind,
          ...(ex.reason ? { reason: ex.reason } : {}),
          ...(executed ? { reason: 'an ambiguous request was answered 2xx' } : {}),
          ...(invited ? { reason: 'an unauthenticated request was sent 100 Continue' } : {}),
          ...(status500 ? { status: 500 } : {}),
          tags: c.tags,
          head: Buffer.concat(c.pieces).subarray(0, 300).toString('latin1'),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return report;
}

/** Records a fuzz run's figures for the reliability report (see test/support/reliability.ts). */
export function recordFuzz(
  target: 'gateway' | 'executor',
  seed: number,
  report: FuzzReport,
  fds: [number, number],
  rssMiB: [number, number],
): void {
  recordReliability({
    id: `fuzz:${target}`,
    kind: 'fuzz',
    title: `${target === 'gateway' ? 'Gateway' : 'Executor'} fuzz (seed ${seed})`,
    figures: {
      cases: report.cases,
      kinds: report.byKind,
      statuses: report.byStatus,
      malformed: report.bad.length,
      fds: `${fds[0]} → ${fds[1]}`,
      rssMiB: `${rssMiB[0].toFixed(0)} → ${rssMiB[1].toFixed(0)}`,
    },
  });
}
