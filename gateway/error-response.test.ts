import { describe, expect, it } from 'vitest';
import { errorAnswer } from './error-response.ts';
import { GatewayError } from './errors.ts';

describe('errorAnswer', () => {
  it('maps a GatewayError to its status and {message, code (the status), type, version} plus details', () => {
    const answer = errorAnswer(
      new GatewayError('GW_BROADCAST_FAILED', 'Broadcast failed.', {
        details: { failures: [{ host: 'a' }] },
      }),
      '1.2.3',
      'production',
    );
    expect(answer).toEqual({
      status: 502,
      body: {
        message: 'Broadcast failed.',
        code: 502,
        type: 'broadcast_failed',
        version: '1.2.3',
        failures: [{ host: 'a' }],
      },
      unexpected: false,
    });
  });

  it.each([
    ['production', 'Internal error.'],
    ['development', 'boom'],
  ])('hides unexpected detail unless env is development (%s)', (env, message) => {
    expect(errorAnswer(new Error('boom'), 'v', env)).toMatchObject({
      status: 500,
      body: { message, code: 500, type: 'general_server_error' },
      unexpected: true,
    });
  });
});
