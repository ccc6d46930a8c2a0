import type { RingMember } from '../../gateway/ring.ts';
import { createTableRing, GATEWAY_RING_BUCKETS, type TableRing } from '../../gateway/ring-table.ts';
import type { ResultTable } from '../lib/results.ts';
import { mean, round } from '../lib/stats.ts';

/** One change of the plan the scale simulation applied: a host joined or left. */
export interface PlannedChange {
  join: boolean;
  id: string;
}

/** A way to serve the table: the gateway's rendezvous winners, or balanced bucket owners. */
interface Variant {
  name: string;
  balance: boolean;
  tolerance?: number;
}

const VARIANTS: Variant[] = [
  { name: 'rendezvous winners (the gateway)', balance: false },
  { name: 'balanced: ⌊B/N⌋ or ⌈B/N⌉ buckets', balance: true },
  { name: 'balanced within ± 5 %', balance: true, tolerance: 0.05 },
  { name: 'balanced within ± 10 %', balance: true, tolerance: 0.1 },
];

/** What one variant did over the plan. */
export interface BalanceRow {
  variant: string;
  /** Per change: ids moved ÷ (ids ÷ hosts). */
  movedVsIdeal: number[];
  /** Per change: ids moved ÷ ids the changed host held (before a leave, after a join). */
  movedVsHeld: number[];
  /** Per change: ids moved between two hosts there before and after. */
  movedBetweenOthers: number[];
  /** Buckets per host at the start: fewest and most. */
  bucketsMin: number;
  bucketsMax: number;
  /** Relative standard deviation of ids per host at the start (ids ÷ (ids ÷ hosts)). */
  idsPerHostSd: number;
  /** Ids whose first host is the same in a table built from the members in reverse order. */
  agreement: number;
  /** CPU ms per change to complete the updated table (`update`, then every bucket and the balance). */
  updateMs: number[];
}

function firstHosts(ring: TableRing, ids: readonly string[]): string[] {
  return ids.map((id) => ring.candidates(id, 1)[0]!);
}

function relativeSd(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2))) / m;
}

/**
 * The scale simulation's joins and leaves replayed on each variant from the same fleet and ids:
 * balanced bucket owners (`gateway/ring-balance.ts`) against the rendezvous winners the gateway
 * serves, on keys moved per change (both definitions), bucket and id spread, and agreement.
 */
export function runBalance(
  members: readonly RingMember[],
  ids: readonly string[],
  plan: readonly PlannedChange[],
): BalanceRow[] {
  return VARIANTS.map((v) => {
    const options = { buckets: GATEWAY_RING_BUCKETS, balance: v.balance, balanceTolerance: v.tolerance };
    let ring = createTableRing(members, options);
    const counts = [...ring.bucketCounts().values()];
    let before = firstHosts(ring, ids);
    const perHost = new Map<string, number>();
    for (const h of before) perHost.set(h, (perHost.get(h) ?? 0) + 1);
    const reversed = firstHosts(createTableRing([...members].reverse(), options), ids);
    const row: BalanceRow = {
      variant: v.name,
      movedVsIdeal: [],
      movedVsHeld: [],
      movedBetweenOthers: [],
      bucketsMin: Math.min(...counts),
      bucketsMax: Math.max(...counts),
      idsPerHostSd: relativeSd(members.map((m) => perHost.get(m.id) ?? 0)),
      agreement: reversed.filter((h, i) => h === before[i]).length / ids.length,
      updateMs: [],
    };
    let current = [...members];
    for (const c of plan) {
      const next = c.join ? [...current, { id: c.id, weight: 1 }] : current.filter((m) => m.id !== c.id);
      const t0 = process.cpuUsage();
      const updated = ring.update(next);
      updated.fill(Number.POSITIVE_INFINITY);
      const d = process.cpuUsage(t0);
      row.updateMs.push((d.user + d.system) / 1000);
      const after = firstHosts(updated, ids);
      let moved = 0;
      let between = 0;
      let held = 0;
      for (let i = 0; i < ids.length; i++) {
        if ((c.join ? after[i] : before[i]) === c.id) held += 1;
        if (before[i] === after[i]) continue;
        moved += 1;
        if (before[i] !== c.id && after[i] !== c.id) between += 1;
      }
      const hostsThen = Math.max(current.length, next.length);
      row.movedVsIdeal.push(moved / ids.length / (1 / hostsThen));
      row.movedVsHeld.push(held === 0 ? Number.NaN : moved / held);
      row.movedBetweenOthers.push(between);
      ring = updated;
      current = next;
      before = after;
    }
    process.stderr.write(
      `[ring balance] ${v.name}: moved ÷ ideal mean ${round(mean(row.movedVsIdeal), 3)}, max ${round(Math.max(...row.movedVsIdeal), 3)}\n`,
    );
    return row;
  });
}

/** The result table of `runBalance`. */
export function balanceTable(rows: readonly BalanceRow[], hosts: number, ids: number): ResultTable {
  const span = (v: number[]) =>
    `${round(mean(v), 3)} (${round(Math.min(...v), 3)}–${round(Math.max(...v), 3)})`;
  const changes = rows[0]?.movedVsIdeal.length ?? 0;
  return {
    title: `Bucket balancing: the same ${changes} joins and leaves on ${hosts} hosts, ${ids.toLocaleString('en')} ids`,
    columns: [
      'table served by',
      'buckets per host (start)',
      'ids per host, relative sd (start)',
      'ids moved ÷ ideal (1 ÷ hosts): mean (min–max)',
      'ids moved ÷ ids the changed host held: mean (min–max)',
      'ids moved between unchanged hosts per change: mean (max)',
      'update + fill + balance, CPU ms: mean (max)',
      'agreement, members in reverse order',
    ],
    rows: rows.map((r) => [
      r.variant,
      `${r.bucketsMin}–${r.bucketsMax}`,
      `${round(r.idsPerHostSd * 100, 1)} %`,
      span(r.movedVsIdeal),
      span(r.movedVsHeld),
      `${Math.round(mean(r.movedBetweenOthers))} (${Math.max(...r.movedBetweenOthers)})`,
      `${Math.round(mean(r.updateMs))} (${Math.round(Math.max(...r.updateMs))})`,
      `${round(r.agreement * 100, 2)} %`,
    ]),
    notes: [
      `Balanced: \`createTableRing(members, { balance: true })\` (\`gateway/ring-balance.ts\`): a host over its quota keeps the buckets it scores highest on, the overflow goes in bucket order to the first host of each bucket's rendezvous order under its quota, and hosts still under ⌊quota⌋ take the buckets they claim most from hosts above theirs; a function of the member set only. "Within ± x %": quotas ⌊(1 − x)·B/N⌋ … ⌈(1 + x)·B/N⌉.`,
      `The floor: with every host at ⌊B/N⌋ or ⌈B/N⌉ buckets, a host's ids still vary as the ids that hash into its buckets, ≈ 1/√(ids/N) = ${round(100 / Math.sqrt(ids / hosts), 1)} % (the "relative sd" column measures it); no placement of these ids by a hash does better, so a change moves the ideal share ± that.`,
      'Every variant replays the changes of the table above (same hosts joining and leaving, in the same order) from its own table of the starting fleet; "moved" counts the ids whose first host changed.',
    ],
  };
}
