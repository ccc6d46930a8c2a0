import { describe, expect, it } from 'vitest';
import { StopWaiting, waitFor } from './wait.ts';

describe('waitFor', () => {
  it('returns the first value that is neither undefined nor false', async () => {
    const answers = [undefined, false, 0, 7];
    let probes = 0;
    expect(await waitFor('a value', () => answers[probes++], { intervalMs: 1 })).toBe(0);
    expect(probes).toBe(3);
  });

  it('treats a probe that throws as "not yet" and names its last error when time is up', async () => {
    let probes = 0;
    const wait = waitFor(
      'the thing',
      () => {
        probes++;
        throw new Error(`refused ${probes}`);
      },
      { timeoutMs: 30, intervalMs: 1, context: () => 'extra context' },
    );
    await expect(wait).rejects.toThrow(
      /timed out after 30 ms waiting for the thing \(\d+ probes; last error: Error: refused \d+\)\nextra context/,
    );
    expect(probes).toBeGreaterThan(1);
  });

  it('ends at once when a probe throws StopWaiting', async () => {
    let probes = 0;
    const wait = waitFor(
      'a process that exited',
      () => {
        probes++;
        throw new StopWaiting('it exited');
      },
      60_000,
    );
    await expect(wait).rejects.toThrow('it exited');
    expect(probes).toBe(1);
  });
});
