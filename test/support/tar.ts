import { gzipSync } from 'node:zlib';

/** One member of a test tarball. */
export type TarEntry =
  | { type: 'file'; name: string; content: string | Buffer }
  | { type: 'dir'; name: string }
  | { type: 'symlink'; name: string; target: string }
  | { type: 'hardlink'; name: string; target: string };

/**
 * A gzipped ustar archive built byte by byte, so tests can craft members `tar` itself would not
 * write from a folder (a symlink to /etc, a hard link to `../../x`). POSIX.1-1988 ustar layout.
 */
export function tarGz(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const content = e.type === 'file' ? Buffer.from(e.content) : Buffer.alloc(0);
    blocks.push(header(e, content.length));
    if (content.length > 0) {
      blocks.push(content, Buffer.alloc((512 - (content.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

function header(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number) => h.write(text, offset, length, 'utf8');
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, '0');
  put(e.name, 0, 100);
  put(octal(e.type === 'dir' ? 0o755 : 0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
  const flag = { file: '0', hardlink: '1', symlink: '2', dir: '5' }[e.type];
  put(flag, 156, 1);
  if (e.type === 'symlink' || e.type === 'hardlink') put(e.target, 157, 100);
  put('ustar', 257, 6);
  put('00', 263, 2);
  // The checksum is computed with its own field as spaces.
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(`${octal(sum, 7)}\0`, 148, 8);
  return h;
}
