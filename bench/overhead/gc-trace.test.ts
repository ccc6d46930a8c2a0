import { describe, expect, it } from 'vitest';
import { gcTotals, parseGcTrace } from './gc-trace.ts';

const scavenge =
  '[1:0x1]       31 ms: pause=0.5 mutator=1.5 gc=s reduce_memory=0 scavenge=0.49 total_size_before=4074320 allocated=920192 promoted=89744 new_space_survived=16736 promotion_ratio=8.7%';
const markCompact =
  '[1:0x1]     9000 ms: pause=12.25 mutator=100.0 gc=ms reduce_memory=0 allocated=1000 promoted=0 new_space_survived=0';

describe('parseGcTrace', () => {
  it('reads the collections of --trace-gc-nvp and skips log lines', () => {
    const events = parseGcTrace(
      ['{"level":40,"msg":"gc=s pause"}', scavenge, 'listening 8080', markCompact].join('\n'),
    );
    expect(events).toEqual([
      { kind: 's', pauseMs: 0.5, allocated: 920192, promoted: 89744, survived: 16736 },
      { kind: 'ms', pauseMs: 12.25, allocated: 1000, promoted: 0, survived: 0 },
    ]);
  });
});

describe('gcTotals', () => {
  it('counts scavenges apart from mark-compacts and sums bytes and pauses', () => {
    const t = gcTotals(parseGcTrace([scavenge, scavenge, markCompact].join('\n')));
    expect(t).toEqual({
      scavenges: 2,
      markCompacts: 1,
      pauseMs: 13.25,
      allocated: 2 * 920192 + 1000,
      promoted: 2 * 89744,
      survived: 2 * 16736,
    });
  });
});
