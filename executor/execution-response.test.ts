import { describe, expect, it } from 'vitest';
import { executionJson, keepsHeaderArrays, responseHeaders, wantsJson } from './execution-response.ts';

describe('execution response helpers', () => {
  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['application/*', true],
    ['text/plain, application/json', true],
    ['text/html,application/*;q=0.9', true],
    ['application/xml', false],
    ['text/plain, */*', false],
    ['multipart/form-data', false],
    ['*/*', false],
    ['', false],
    [undefined, false],
  ])('Accept %j asks for JSON: %s', (accept, expected) => {
    expect(wantsJson(accept)).toBe(expected);
  });

  it.each([
    [undefined, false],
    ['', false],
    ['0.10.9', false],
    ['0.11.0', true],
    ['0.27.1', true],
    ['1.0.0', true],
    ['garbage', false],
  ])('x-executor-response-format %j keeps header arrays: %s', (format, expected) => {
    expect(keepsHeaderArrays(format)).toBe(expected);
  });

  it('drops x-open-runtimes-* headers and collapses arrays to the last value unless kept', () => {
    const headers = {
      'X-Open-Runtimes-Log-Id': 'abc',
      'set-cookie': ['a=1', 'b=2'],
      'Content-Type': 'text/plain',
    };
    expect(responseHeaders(headers, false)).toEqual({ 'set-cookie': 'b=2', 'content-type': 'text/plain' });
    expect(responseHeaders(headers, true)).toEqual({
      'set-cookie': ['a=1', 'b=2'],
      'content-type': 'text/plain',
    });
  });

  it('refuses a non-UTF-8 body in JSON with execution_bad_json', () => {
    const outcome = {
      statusCode: 200,
      headers: {},
      body: Buffer.from([0xc3, 0x28]),
      logs: '',
      errors: '',
      duration: 0.1,
      startTime: 1,
    };
    expect(() => executionJson(outcome, false)).toThrow(
      expect.objectContaining({ type: 'execution_bad_json' }),
    );
    expect(JSON.parse(executionJson({ ...outcome, body: Buffer.from('héllo') }, false)).body).toBe('héllo');
  });
});
