import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs Open Runtimes function without type declarations
import work from './index.mjs';

function context(req: { headers?: Record<string, string>; body?: string }) {
  let answer: unknown;
  return {
    ctx: {
      req: {
        headers: req.headers ?? {},
        get bodyJson() {
          return req.body ? JSON.parse(req.body) : {};
        },
      },
      res: {
        json: (value: unknown) => {
          answer = value;
          return value;
        },
      },
    },
    answer: () => answer,
  };
}

describe('the load function', () => {
  it.each([
    { name: 'nothing asked', req: {}, worked: 0 },
    { name: 'body field', req: { body: '{"simDurationMs":30}' }, worked: 30 },
    { name: 'header', req: { headers: { 'x-sim-duration-ms': '20' } }, worked: 20 },
    { name: 'invalid JSON body', req: { body: '{nope' }, worked: 0 },
    { name: 'negative', req: { body: '{"simDurationMs":-5}' }, worked: 0 },
  ])('works as long as asked: $name', async ({ req, worked }) => {
    const c = context(req);
    await work(c.ctx);
    expect(c.answer()).toEqual({ ok: true, workedMs: worked });
  });
});
