import { describe, expect, it } from 'vitest';
import { HeaderNameTable, MAX_NAME } from './header-names.ts';

const hop = new Set(['connection', 'keep-alive']);

describe('HeaderNameTable', () => {
  it('gives the name as sent, case included, and whether it is hop-by-hop', () => {
    const t = new HeaderNameTable(hop);
    expect(t.name(Buffer.from('Content-Type'))).toMatchObject({ text: 'Content-Type', hop: false });
    expect(t.name(Buffer.from('Keep-Alive'))).toMatchObject({ text: 'Keep-Alive', hop: true });
    expect(t.name(Buffer.from('CONNECTION'))).toMatchObject({ text: 'CONNECTION', hop: true });
  });

  it('keeps a name once and tells same-length names apart byte by byte', () => {
    const t = new HeaderNameTable(hop);
    const a = t.name(Buffer.from('x-a'));
    expect(t.name(Buffer.from('x-a'))).toBe(a);
    expect(t.name(Buffer.from('x-b')).text).toBe('x-b');
    expect(t.name(Buffer.from('X-A')).text).toBe('X-A');
    expect(t.size).toBe(3);
  });

  it('a kept name does not change when the buffer it came from is reused', () => {
    const t = new HeaderNameTable(hop);
    const buf = Buffer.from('x-one');
    t.name(buf);
    buf.write('x-two');
    expect(t.name(buf).text).toBe('x-two');
    expect(t.name(Buffer.from('x-one')).text).toBe('x-one');
  });

  it('stays bounded: past its size, and for long names, names are converted and not kept', () => {
    const t = new HeaderNameTable(hop, 2);
    for (const n of ['x-1', 'x-2', 'x-3', 'x-4']) expect(t.name(Buffer.from(n)).text).toBe(n);
    expect(t.size).toBe(2);
    const long = 'x'.repeat(MAX_NAME + 1);
    expect(t.name(Buffer.from(long)).text).toBe(long);
    expect(t.size).toBe(2);
  });
});
