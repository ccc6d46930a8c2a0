import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ExpositionParseError, parseExposition } from './exposition.ts';

describe('parseExposition', () => {
  it.each([
    ['a bare sample', 'up 1', [{ name: 'up', labels: {}, value: 1 }]],
    [
      'labels and a timestamp',
      'x{a="1",b="two"} 2.5 1700000000000',
      [{ name: 'x', labels: { a: '1', b: 'two' }, value: 2.5, timestampMs: 1700000000000 }],
    ],
    ['escapes in values', 'x{a="q\\"\\\\\\n"} 3', [{ name: 'x', labels: { a: 'q"\\\n' }, value: 3 }]],
    ['a trailing comma', 'x{a="1",} 4', [{ name: 'x', labels: { a: '1' }, value: 4 }]],
    [
      'special values',
      'a NaN\nb +Inf\nc -Inf\nd Nan',
      [
        { name: 'a', labels: {}, value: Number.NaN },
        { name: 'b', labels: {}, value: Number.POSITIVE_INFINITY },
        { name: 'c', labels: {}, value: Number.NEGATIVE_INFINITY },
        { name: 'd', labels: {}, value: Number.NaN },
      ],
    ],
    ['comments skipped', '# HELP x help\n# TYPE x gauge\n\nx 1\n', [{ name: 'x', labels: {}, value: 1 }]],
    ['scientific notation', 'x 1e3', [{ name: 'x', labels: {}, value: 1000 }]],
  ])('parses %s', (_name, text, expected) => {
    expect(parseExposition(text)).toEqual(expected);
  });

  it.each([
    ['no value', 'x{a="1"}', 1],
    ['not a number', 'ok 1\nx abc', 2],
    ['unterminated label', 'x{a="1} 1', 1],
    ['a bad label name', 'x{1a="1"} 1', 1],
    ['a bad timestamp', 'x 1 1.5', 1],
    ['garbage', '{} 1', 1],
  ])('rejects %s naming the line', (_name, text, line) => {
    try {
      parseExposition(text);
      expect.unreachable('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(ExpositionParseError);
      expect((error as ExpositionParseError).line).toBe(line);
    }
  });

  it('parses what prom-client writes', async () => {
    const registry = new Registry();
    const g = new Gauge({ name: 'g', help: 'h', labelNames: ['host'], registers: [registry] });
    g.set({ host: 'a "b"' }, 2);
    g.set({ host: 'c' }, 3);
    const samples = parseExposition(await registry.metrics());
    expect(samples).toEqual([
      { name: 'g', labels: { host: 'a "b"' }, value: 2 },
      { name: 'g', labels: { host: 'c' }, value: 3 },
    ]);
  });
});
