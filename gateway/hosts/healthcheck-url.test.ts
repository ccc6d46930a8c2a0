import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { HealthcheckUrl } from './healthcheck-url.ts';

describe('HealthcheckUrl.due', () => {
  const make = () =>
    new HealthcheckUrl('http://127.0.0.1:9/beat/token', 1000, 500, pino({ level: 'silent' }));

  it('is due after a check with every host healthy, then at most once per interval', async () => {
    const beat = make();
    expect(beat.due(0, false)).toBe(false);
    expect(beat.due(0, true)).toBe(true);
    await beat.ping(0); // port 9 refuses: logged, never thrown
    expect(beat.due(999, true)).toBe(false);
    expect(beat.due(1000, true)).toBe(true);
    expect(beat.due(1000, false)).toBe(false);
  });
});
