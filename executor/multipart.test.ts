import { describe, expect, it } from 'vitest';
import { encodeMultipart, MultipartError, multipartBoundary, parseMultipart } from './multipart.ts';

describe('multipart as bytes', () => {
  it('round-trips bytes that are not UTF-8, newlines and JSON parts unchanged', () => {
    const body = encodeMultipart(
      {
        body: Buffer.from([0x00, 0x0a, 0xff]),
        logs: 'a\nb\r\nc\n',
        headers: { json: { 'x-a': ['1', '2'] } },
      },
      'b0undary',
    );
    const parts = parseMultipart(body, 'b0undary');
    expect(parts.map((p) => p.name)).toEqual(['body', 'logs', 'headers']);
    expect([...parts[0]!.value]).toEqual([0x00, 0x0a, 0xff]);
    expect(parts[1]!.value.toString()).toBe('a\nb\r\nc\n');
    expect(JSON.parse(parts[2]!.value.toString())).toEqual({ 'x-a': ['1', '2'] });
  });

  it('writes the real executor layout: delimiter, disposition, blank line, value, CRLF', () => {
    expect(encodeMultipart({ a: '1' }, 'B').toString()).toBe(
      '--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--B--\r\n',
    );
  });

  it('reads what a browser or curl sends: a preamble, file parts, quoted names', () => {
    const body = Buffer.from(
      'preamble\r\n--X\r\nContent-Disposition: form-data; name="body"; filename="b.bin"\r\n' +
        'Content-Type: application/octet-stream\r\n\r\n\u0000\u0001\r\n--X\r\n' +
        'content-disposition: form-data; name=path\r\n\r\n/p\r\n--X--\r\n',
      'latin1',
    );
    const parts = parseMultipart(body, 'X');
    expect(parts.map((p) => [p.name, p.value.toString('latin1')])).toEqual([
      ['body', '\u0000\u0001'],
      ['path', '/p'],
    ]);
  });

  it.each([
    ['no delimiter', 'just text'],
    ['no closing delimiter', '--X\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue'],
    ['no blank line after the headers', '--X\r\nContent-Disposition: form-data; name="a"'],
    ['a part without a name', '--X\r\nContent-Type: text/plain\r\n\r\nv\r\n--X--'],
  ])('refuses a body with %s', (_name, text) => {
    expect(() => parseMultipart(Buffer.from(text), 'X')).toThrow(MultipartError);
  });

  it.each([
    ['multipart/form-data; boundary=abc', 'abc'],
    ['multipart/form-data; charset=utf-8; boundary="a b"', 'a b'],
    ['multipart/form-data', undefined],
  ])('reads the boundary of %j', (type, boundary) => {
    expect(multipartBoundary(type)).toBe(boundary);
  });
});
