import { describe, expect, it } from 'vitest';
import { settlesWithin } from './deadline.ts';

describe('settlesWithin', () => {
  it.each([
    ['a promise that resolves in time', () => Promise.resolve(1), true],
    ['a promise that rejects in time', () => Promise.reject(new Error('x')), true],
    ['a promise that never settles', () => new Promise(() => {}), false],
  ])('%s', async (_name, work, expected) => {
    expect(await settlesWithin(work(), 20)).toBe(expected);
  });
});
