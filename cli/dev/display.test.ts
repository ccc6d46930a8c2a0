import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startDisplay } from './display.ts';
import type { StatusSample } from './status.ts';

function samples(): () => Promise<StatusSample> {
  let n = 0;
  return async () => {
    n++;
    return {
      at: n * 1000,
      hosts: [{ id: 'h1', state: 'active', healthy: true, inflight: 1, warm: 2 }],
      requests: n * 10,
      latency: { buckets: [{ le: Number.POSITIVE_INFINITY, count: 0 }] },
      coldRoutes: 0,
      desired: 1,
    };
  };
}

async function output(tty: boolean, frames: number): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => {
    text += d;
  });
  const display = startDisplay({
    out,
    tty,
    sample: samples(),
    refreshMs: 5,
    logEveryMs: 5,
    now: () => new Date(0),
  });
  const deadline = Date.now() + 10_000;
  while ((text.match(/hosts 1 \(1 active\)/g) ?? []).length < frames && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  await display.stop();
  return text;
}

describe('startDisplay', () => {
  it('writes one timestamped line per period when not on a terminal', async () => {
    const text = await output(false, 2);
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe(
      '[fleetgate dev 00:00:00] hosts 1 (1 active) · desired 1 · 10.0 req/s · p95 - · cold routes +0 (0 total) · in flight 1',
    );
    expect(text).not.toContain('\x1b[');
  });

  it('redraws the table in place on a terminal', async () => {
    const text = await output(true, 2);
    // The second frame moves the cursor up over the two lines of the first.
    expect(text).toContain('\x1b[2A');
    expect(text).toContain('\r\x1b[2K  h1    active    healthy    in flight   1  warm 2');
  });
});
