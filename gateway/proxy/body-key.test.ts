import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBoundedBody, runtimeIdFromBody } from './body-key.ts';

function multipart(fields: Record<string, string>, boundary = 'XyZ'): Buffer {
  const parts = Object.entries(fields).map(
    ([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
  );
  return Buffer.from(`${parts.join('')}--${boundary}--\r\n`);
}

describe('runtimeIdFromBody', () => {
  it.each([
    ['json', Buffer.from('{"runtimeId":"rt-1","image":"x"}'), 'application/json', 'rt-1'],
    ['json without id', Buffer.from('{"image":"x"}'), 'application/json; charset=utf-8', undefined],
    ['no content type', Buffer.from('{"runtimeId":"rt-2"}'), undefined, 'rt-2'],
    ['empty body', Buffer.alloc(0), 'application/json', undefined],
    ['multipart', multipart({ image: 'x', runtimeId: 'rt-3' }), 'multipart/form-data; boundary=XyZ', 'rt-3'],
    [
      'quoted boundary',
      multipart({ runtimeId: 'rt-4' }, 'a b'),
      'multipart/form-data; boundary="a b"',
      'rt-4',
    ],
    ['multipart without id', multipart({ image: 'x' }), 'multipart/form-data; boundary=XyZ', undefined],
    ['other type, not JSON', Buffer.from('runtimeId=rt'), 'text/plain', undefined],
    [
      'other type, JSON (the executor reads it as JSON)',
      Buffer.from('{"runtimeId":"rt-5"}'),
      'text/plain',
      'rt-5',
    ],
    ['urlencoded', Buffer.from('image=x&runtimeId=rt-6'), 'application/x-www-form-urlencoded', 'rt-6'],
    [
      'urlencoded, escaped',
      Buffer.from('runtimeId=rt%2D7'),
      'application/x-www-form-urlencoded; charset=UTF-8',
      'rt-7',
    ],
    ['urlencoded without id', Buffer.from('image=x'), 'application/x-www-form-urlencoded', undefined],
    [
      'urlencoded, repeated: the last wins',
      Buffer.from('runtimeId=a&runtimeId=b'),
      'application/x-www-form-urlencoded',
      'b',
    ],
    [
      'JSON labelled as a form (curl -d)',
      Buffer.from(' {"runtimeId":"rt-8"}'),
      'application/x-www-form-urlencoded',
      'rt-8',
    ],
    [
      'json, repeated: the last wins',
      Buffer.from('{"runtimeId":"a","runtimeId":"b"}'),
      'application/json',
      'b',
    ],
  ])('%s', (_name, body, type, expected) => {
    expect(runtimeIdFromBody(body, type)).toBe(expected);
  });

  it.each([
    ['malformed json', Buffer.from('{"runtimeId":'), 'application/json', /Malformed JSON/],
    ['json array', Buffer.from('[1]'), 'application/json', /expected an object/],
    ['numeric id', Buffer.from('{"runtimeId":5}'), 'application/json', /must be a string/],
    ['numeric id, other type', Buffer.from('{"runtimeId":5}'), 'text/plain', /must be a string/],
    [
      'repeated multipart id (the executor refuses it too)',
      Buffer.from(
        '--XyZ\r\nContent-Disposition: form-data; name="runtimeId"\r\n\r\na\r\n' +
          '--XyZ\r\nContent-Disposition: form-data; name="runtimeId"\r\n\r\nb\r\n--XyZ--\r\n',
      ),
      'multipart/form-data; boundary=XyZ',
      /repeated/,
    ],
    ['no boundary', multipart({ runtimeId: 'x' }), 'multipart/form-data', /no boundary/],
    ['no opening boundary', Buffer.from('hello'), 'multipart/form-data; boundary=XyZ', /no opening boundary/],
    [
      'truncated multipart',
      Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="runtimeId"\r\n\r\nrt'),
      'multipart/form-data; boundary=XyZ',
      /missing/,
    ],
  ])('400 on %s', (_name, body, type, message) => {
    expect(() => runtimeIdFromBody(body, type)).toThrowError(message);
  });
});

describe('readBoundedBody', () => {
  it('reads a body within the limit', async () => {
    const body = await readBoundedBody(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4);
    expect(body.toString()).toBe('abcd');
  });

  it('fails with 413 past the limit', async () => {
    await expect(
      readBoundedBody(Readable.from([Buffer.from('abc'), Buffer.from('de')]), 4),
    ).rejects.toMatchObject({
      code: 'GW_BODY_TOO_LARGE',
      status: 413,
    });
  });
});

describe('readBoundedBody on a broken client', () => {
  it('fails with a 400 GatewayError, not an unexpected error', async () => {
    const stream = new Readable({ read() {} });
    const pending = readBoundedBody(stream, 100);
    stream.destroy(new Error('socket hang up'));
    await expect(pending).rejects.toMatchObject({ code: 'GW_BAD_BODY', status: 400 });
  });
});
