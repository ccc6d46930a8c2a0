/**
 * Stable 32-bit hashing for the ring: MurmurHash3 (x86, 32-bit) over UTF-16 code units, and its
 * finalizer as a mixer. Pure integer arithmetic, so every process on every machine computes the same
 * values (unlike `Math.random()`-placed points; see the design notes on the `consistent-hash` package).
 */

/** MurmurHash3 finalizer (fmix32): full avalanche of a 32-bit value. */
export function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** MurmurHash3 x86_32 of a string's UTF-16 code units, two units per 32-bit block. */
export function murmur3(text: string, seed = 0): number {
  let h = seed >>> 0;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const len = text.length;
  let i = 0;
  for (; i + 1 < len; i += 2) {
    let k = (text.charCodeAt(i) & 0xffff) | ((text.charCodeAt(i + 1) & 0xffff) << 16);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < len) {
    let k = text.charCodeAt(i) & 0xffff;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= len * 2;
  return fmix32(h);
}
