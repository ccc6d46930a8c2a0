import { describe, expect, it } from 'vitest';
import { errorKind } from './upstream-call.ts';

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
