import { describe, expect, it } from 'vitest';
import { evaluateFormula, parseFormula } from './formula.ts';

const values = { a: 6, b: 3, c: 0 };

describe('formula', () => {
  it.each([
    ['a', 6],
    ['a + b * 2', 12],
    ['(a + b) * 2', 18],
    ['a - b - 1', 2],
    ['a / b / 2', 1],
    ['-a + 10', 4],
    ['max(a, b, 10)', 10],
    ['min(a, b)', 3],
    ['ceil(a / 4)', 2],
    ['max(a, ceil(b / 2)) + 0.5', 6.5],
    ['  1.5*  .5 ', 0.75],
  ])('%s = %d', (text, expected) => {
    const parsed = parseFormula(text);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(evaluateFormula(parsed.node, values)).toBe(expected);
  });

  it('lists the names it uses', () => {
    expect(parseFormula('max(a, b) + a * c')).toMatchObject({ ok: true, names: ['a', 'b', 'c'] });
  });

  it.each([
    ['', 'is empty'],
    ['a +', 'expected a number, a name or "(" at the end'],
    ['(a', 'expected ")" at the end'],
    ['a b', 'unexpected input at column 3'],
    ['eval(a)', 'unknown function "eval"'],
    ['ceil(a, b)', 'ceil takes exactly one argument'],
    ['a.constructor', 'unexpected character "."'],
    ['a; b', 'unexpected character ";"'],
    ['x'.repeat(501), 'longer than 500'],
  ])('rejects %j: %s', (text, message) => {
    const parsed = parseFormula(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(message);
  });

  it.each([
    ['a / c', 'division by zero'],
    ['a + missing', 'a name without a value'],
  ])('gives undefined (no data, never zero) for %s (%s)', (text) => {
    const parsed = parseFormula(text);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(evaluateFormula(parsed.node, values)).toBeUndefined();
  });
});
