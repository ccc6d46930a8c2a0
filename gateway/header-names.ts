/**
 * Response header names as strings without a string conversion per header: the upstream sends the
 * same few names on every response (`content-type`, `content-length`, `date`, …), and turning a
 * name's bytes into a string costs a call into C++ (≈ 0.1–0.2 µs) where comparing them with the bytes
 * of a name seen before costs a short loop. Names are kept as sent (case included), with whether
 * they are hop-by-hop. Bounded: past `max` names (or for names longer than `MAX_NAME`), a name is
 * converted and not kept.
 */
export interface HeaderName {
  /** The name as sent. */
  readonly text: string;
  /** Whether the name is one of `hopByHop` (compared in lower case). */
  readonly hop: boolean;
}

interface Entry extends HeaderName {
  readonly bytes: Buffer;
}

/** The longest name kept, bytes. */
export const MAX_NAME = 48;

export class HeaderNameTable {
  /** Entries by name length. */
  private readonly byLength: Entry[][] = [];
  private count = 0;

  constructor(
    private readonly hopByHop: ReadonlySet<string>,
    private readonly max = 128,
  ) {}

  /** Names kept so far. */
  get size(): number {
    return this.count;
  }

  /** The name `bytes` spell (latin1, as HTTP/1.1 header names are read). */
  name(bytes: Buffer): HeaderName {
    const n = bytes.length;
    const list = n <= MAX_NAME ? this.byLength[n] : undefined;
    if (list !== undefined) {
      for (let e = 0; e < list.length; e++) {
        const entry = list[e]!;
        const known = entry.bytes;
        let i = 0;
        while (i < n && known[i] === bytes[i]) i++;
        if (i === n) return entry;
      }
    }
    const text = bytes.toString('latin1');
    const entry: Entry = { text, hop: this.hopByHop.has(text.toLowerCase()), bytes: Buffer.from(bytes) };
    if (n <= MAX_NAME && this.count < this.max) {
      if (list === undefined) this.byLength[n] = [entry];
      else list.push(entry);
      this.count += 1;
    }
    return entry;
  }
}
