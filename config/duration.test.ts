import { describe, expect, it } from 'vitest';
import { durationSchema, parseDuration, parseSize, sizeSchema } from './duration.ts';

describe('parseDuration', () => {
  it.each([
    ['900ms', 900],
    ['15s', 15_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['1.5s', 1_500],
    ['0s', 0],
    ['.5s', 500],
    [' 10 s ', 10_000],
    ['10S', 10_000],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, value: ms });
  });

  it.each([
    ['15', 'with a unit'],
    ['', 'like'],
    ['abc', 'like'],
    ['-5s', 'must not be negative, got "-5s"'],
    ['5 parsecs', 'unknown unit "parsecs"'],
    ['1h30m', 'like'],
    ['5s5', 'like'],
  ])('%j is an error mentioning %j', (text, fragment) => {
    const parsed = parseDuration(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(fragment);
  });

  it.each([
    ['15', 's', 15_000],
    ['10000', 'ms', 10_000],
    ['2', 'm', 120_000],
    ['3s', 'ms', 3_000],
  ] as const)('%j with implied unit %s is %d ms', (text, unit, ms) => {
    expect(parseDuration(text, unit)).toEqual({ ok: true, value: ms });
  });
});

describe('parseSize', () => {
  it.each([
    ['22MiB', 22 * 1024 * 1024],
    ['512KiB', 512 * 1024],
    ['1GB', 1e9],
    ['100b', 100],
    ['100B', 100],
    ['1.5KiB', 1536],
    ['2kb', 2000],
    ['1TiB', 1024 ** 4],
  ])('%j is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toEqual({ ok: true, value: bytes });
  });

  it.each([
    ['100', 'with a unit'],
    ['-1MiB', 'must not be negative'],
    ['1.3b', 'whole number of bytes'],
    ['12 furlongs', 'unknown unit'],
    ['MiB', 'like'],
  ])('%j is an error mentioning %j', (text, fragment) => {
    const parsed = parseSize(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(fragment);
  });
});

describe('durationSchema and sizeSchema', () => {
  it.each([
    ['duration', durationSchema, '15s', 15_000],
    ['duration', durationSchema, 250, 250],
    ['duration', durationSchema, 0, 0],
    ['size', sizeSchema, '22MiB', 23_068_672],
    ['size', sizeSchema, 1024, 1024],
  ])('%s accepts %j', (_kind, schema, input, output) => {
    expect(schema.parse(input)).toBe(output);
  });

  it.each([
    ['duration', durationSchema, -1, 'must be a duration ≥ 0, got -1'],
    ['duration', durationSchema, '-5s', 'must not be negative, got "-5s"'],
    ['duration', durationSchema, '15', 'with a unit'],
    ['duration', durationSchema, true, 'must be a duration string'],
    ['duration', durationSchema, Number.POSITIVE_INFINITY, 'must be a duration string'],
    ['size', sizeSchema, -5, 'must be a size ≥ 0, got -5'],
    ['size', sizeSchema, 1.5, 'must be a size ≥ 0, got 1.5'],
    ['size', sizeSchema, '10 parsecs', 'unknown unit'],
    ['size', sizeSchema, null, 'must be a size string'],
  ])('%s rejects %j', (_kind, schema, input, fragment) => {
    const result = schema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join('\n')).toContain(fragment);
  });
});
