import { describe, expect, it } from 'vitest';
import {
  CONNECT_ERROR_CODES,
  errorKind,
  isConnectError,
  isTimeoutError,
  TIMEOUT_ERROR_CODES,
} from './network-errors.ts';

describe('errorKind', () => {
  it('classifies an AbortSignal.timeout() reason (a DOMException with a numeric code) as a timeout', async () => {
    const signal = AbortSignal.timeout(1);
    await new Promise((resolve) => signal.addEventListener('abort', resolve));
    expect(typeof (signal.reason as { code: unknown }).code).toBe('number');
    expect(errorKind(signal.reason)).toBe('timeout');
  });

  it.each([
    [{ code: 'ECONNREFUSED' }, 'connect'],
    [{ code: 'UND_ERR_CONNECT_TIMEOUT' }, 'connect'],
    [{ code: 'UND_ERR_HEADERS_TIMEOUT' }, 'timeout'],
    [{ code: 'ECONNRESET' }, 'reset'],
    [{ name: 'AbortError' }, 'aborted'],
    [{ code: 42 }, 'other'],
    [null, 'other'],
    ['a string', 'other'],
  ])('%j → %s', (error, kind) => {
    expect(errorKind(error)).toBe(kind);
  });
});

describe('retry and count agree', () => {
  // Before one module held the list, EAI_AGAIN and EHOSTDOWN were failed over as connect errors
  // (nothing sent) but counted as `other` in fleetgate_gateway_upstream_errors_total.
  it.each([...CONNECT_ERROR_CODES])('%s is retried as a connect failure and counted as connect', (code) => {
    const error = Object.assign(new Error(code), { code });
    expect(isConnectError(error)).toBe(true);
    expect(errorKind(error)).toBe('connect');
  });

  it.each([...TIMEOUT_ERROR_CODES])('%s is a timeout both ways', (code) => {
    expect(isTimeoutError({ code })).toBe(true);
    expect(errorKind({ code })).toBe('timeout');
  });

  it.each(['EAI_AGAIN', 'EHOSTDOWN'])('the list holds %s', (code) => {
    expect(CONNECT_ERROR_CODES.has(code)).toBe(true);
  });
});
