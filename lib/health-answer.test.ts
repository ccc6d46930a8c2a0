import { describe, expect, it } from 'vitest';
import { parseHealthAnswer } from './health-answer.ts';

describe('parseHealthAnswer', () => {
  it.each([
    [200, 'OK', { ok: true }],
    [200, 'OK\n', { ok: true }],
    [503, 'Draining', { ok: false }],
    [500, 'OK', { ok: false }],
    [
      200,
      '{"status":"pass","usage":12.5,"runtimes":{"a":{"status":"pass","usage":1}}}',
      { ok: true, usage: 12.5, runtimes: ['a'] },
    ],
    [200, '{"usage":3,"runtimes":{}}', { ok: true, usage: 3, runtimes: [] }],
    [200, '{"status":"fail"}', { ok: false }],
    [200, 'garbage', { ok: false }],
    [200, '[1,2]', { ok: false }],
  ])('%i %j', (status, body, report) => {
    expect(parseHealthAnswer(status, body)).toEqual(report);
  });
});
