/** Random choices on top of a seeded source. */
export class Dice {
  constructor(readonly random: () => number) {}
  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  /** Printable ASCII without spaces. */
  token(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(33 + this.int(94));
    return s;
  }
}

/** One generated raw request and what was fuzzed in it. */
export interface FuzzCase {
  /** Short labels of the mutations applied, for failure messages. */
  tags: string[];
  method: string;
  pieces: Buffer[];
}

/** What the generator needs to know about the target. */
export interface FuzzTarget {
  /** The secret the target accepts (sent on most requests so the fuzz reaches past auth). */
  secret: string;
  /** Extra paths worth hitting (health, metrics, fleet…). */
  paths: string[];
  /** An address outside the fleet that must never be contacted (absolute-form targets, Host headers). */
  canary: string;
  /**
   * The target reads x-opr-runtime-id and polices the header count (the gateway): repeated id
   * headers and requests past its header limit must never be answered 2xx.
   */
  gatewayRules?: boolean;
}

/**
 * Tags of inputs issue 18 found read differently by the gateway and the executor: a case carrying
 * one must never be answered 2xx (it would have been executed as another request than checked).
 */
export const AMBIGUOUS_TAGS = ['dot-path', 'dup-id-field'] as const;
/** The same, for targets with `gatewayRules`. */
export const GATEWAY_AMBIGUOUS_TAGS = ['dup-id-header', 'many-headers'] as const;
/** Tag of an unauthenticated `Expect: 100-continue` request: it must never see `100 Continue`. */
export const EXPECT_NO_AUTH = 'expect-noauth';

/** Dot segments as a path carries them, plain and percent-encoded (the WHATWG URL parser folds all). */
const DOT_SEGMENTS = ['..', '.', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '%2e'];

const METHODS = [
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'HEAD',
  'CONNECT',
  'TRACE',
  'PRI',
  'get',
  'M-SEARCH',
  'PROPFIND',
];
const VALID_IDS = ['rt', 'fuzz-1', 'fuzz-2', 'a'.repeat(64), 'Abc_09-x'];
const RUNTIME_IDS = [
  'rt',
  'fuzz-1',
  'a'.repeat(64),
  'a'.repeat(65),
  '..',
  '.',
  '%2e%2e',
  'a%2Fb',
  'a%00b',
  '%ZZ',
  '%C3%A9t%C3%A9',
  '%FF%FE',
  '',
  'a b',
  '💥',
  '<script>',
  "'; DROP",
  '\u0000',
];
const ADDRESSING = [
  'anycast-efficient',
  'anycast-fast',
  'broadcast',
  'unicast',
  '',
  'BROADCAST',
  'x'.repeat(300),
];
const INVALID_UTF8 = [
  Buffer.from([0xc3, 0x28]),
  Buffer.from([0xff, 0xfe, 0xfd]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xf0, 0x28, 0x8c, 0x28]),
];

function path(d: Dice, target: FuzzTarget, tags: string[]): string {
  const id = d.chance(0.5) ? d.pick(VALID_IDS) : d.pick(RUNTIME_IDS);
  const choice = d.int(13);
  tags.push(`path${choice}`);
  switch (choice) {
    case 12: {
      // A dot segment between a decoy id and the real one, or around the id.
      tags.push('dot-path');
      const dot = d.pick(DOT_SEGMENTS);
      const ok = d.pick(VALID_IDS);
      return d.pick([
        `/v1/runtimes/zzz/${dot}/${ok}/executions`,
        `/v1/runtimes/${dot}/${ok}/executions`,
        `/v1/runtimes/${ok}/${dot}/executions`,
        `/v1/runtimes/zzz/${dot}/${ok}`,
      ]);
    }
    case 0:
      return `/v1/runtimes/${id}/executions`;
    case 1:
      return `/v1/runtimes/${id}`;
    case 2:
      return '/v1/runtimes';
    case 3:
      return `/v1/runtimes/${id}/logs?timeout=${d.pick(['1', '-1', 'abc', '99999999999'])}`;
    case 4:
      return d.pick(target.paths);
    case 5:
      return `/${d.token(d.int(40))}`.replace(/\s/g, '');
    case 6:
      return `http://${target.canary}/v1/runtimes/${id}/executions`;
    case 7:
      return `/v1/runtimes/${id}/executions?${'q=1&'.repeat(d.int(50))}`;
    case 8:
      return `/v1/${'../'.repeat(d.int(5))}runtimes`;
    case 9:
      return `/${'a'.repeat(d.pick([100, 4_000, 70_000]))}`;
    case 10:
      return '*';
    default:
      return `/v1/runtimes/${id}/execution`;
  }
}

function body(d: Dice, tags: string[]): { type: string; data: Buffer } {
  const choice = d.int(9);
  tags.push(`body${choice}`);
  switch (choice) {
    case 8: {
      // Two runtimeId fields: the gateway used to read the first, the executor the last.
      tags.push('dup-id-field');
      const b = `dup${d.int(1000)}`;
      const part = (name: string, value: string) =>
        `--${b}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
      return {
        type: `multipart/form-data; boundary=${b}`,
        data: Buffer.from(
          `${part('runtimeId', d.pick(VALID_IDS))}${part('image', 'openruntimes/node:v5-22')}${part('runtimeId', d.pick(VALID_IDS))}--${b}--\r\n`,
        ),
      };
    }
    case 0:
      return {
        type: 'application/json',
        data: Buffer.from(
          JSON.stringify({
            image: 'openruntimes/node:v5-22',
            source: '',
            entrypoint: 'index.mjs',
            runtimeId: d.pick(RUNTIME_IDS),
            body: d.token(d.int(50)),
            timeout: d.pick([1, 0, -1, 1e9]),
          }),
        ),
      };
    case 1:
      return { type: 'application/json', data: Buffer.from(`{"runtimeId": "${d.token(10)}", "image": [`) };
    case 2: {
      const b = d.token(12).replace(/[^A-Za-z0-9]/g, 'x');
      return {
        type: `multipart/form-data; boundary=${b}`,
        data: Buffer.from(
          `--${b}\r\nContent-Disposition: form-data; name="runtimeId"\r\n\r\n${d.pick(RUNTIME_IDS)}\r\n--${b}\r\nContent-Disposition: form-data; name="image"\r\n\r\nx\r\n--${b}--\r\n`,
        ),
      };
    }
    case 3: {
      const b = 'bnd';
      return {
        type: d.pick([
          'multipart/form-data; boundary=bnd',
          'multipart/form-data',
          'multipart/form-data; boundary=',
        ]),
        data: Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="runtimeId"\r\n\r\n${d.token(5)}`),
      };
    }
    case 4:
      return { type: 'application/octet-stream', data: d.bytes(d.int(2_000)) };
    case 5:
      return {
        type: 'application/json',
        data: Buffer.concat([
          Buffer.from('{"runtimeId":"'),
          d.pick(INVALID_UTF8),
          Buffer.from('","image":"x"}'),
        ]),
      };
    case 6:
      return { type: d.token(20), data: Buffer.from('') };
    default:
      return {
        type: 'application/json',
        data: Buffer.from(JSON.stringify({ body: 'x'.repeat(d.int(100_000)) })),
      };
  }
}

/** Generates one random, often malformed, request as raw bytes (sometimes split into several writes). */
export function fuzzCase(d: Dice, target: FuzzTarget): FuzzCase {
  const tags: string[] = [];
  let method = d.chance(0.7)
    ? d.pick(['GET', 'POST', 'DELETE'])
    : d.chance(0.8)
      ? d.pick(METHODS)
      : d.token(d.int(12) + 1);
  if (d.chance(0.03)) method = '';
  const target_ = path(d, target, tags);
  const version = d.chance(0.9) ? 'HTTP/1.1' : d.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', 'FOO', '']);
  const headers: Array<[string | Buffer, string | Buffer]> = [];
  headers.push(['Host', d.chance(0.9) ? '127.0.0.1' : d.pick([target.canary, 'evil.example', '', 'a b'])]);
  const expectNoAuth = d.chance(0.04);
  if (expectNoAuth) {
    tags.push(EXPECT_NO_AUTH);
    headers.push(['Expect', '100-continue']);
  }
  if (!expectNoAuth && d.chance(0.85))
    headers.push([
      'Authorization',
      d.chance(0.9)
        ? `Bearer ${target.secret}`
        : d.pick([
            'Bearer ',
            'Bearer x',
            `bearer ${target.secret}`,
            `Basic ${target.secret}`,
            `Bearer ${target.secret}x`,
          ]),
    ]);
  if (d.chance(0.4))
    headers.push(['x-opr-runtime-id', d.chance(0.6) ? d.pick(VALID_IDS) : d.pick(RUNTIME_IDS)]);
  if (d.chance(0.05)) {
    tags.push('dup-id-header');
    headers.push(['x-opr-runtime-id', d.pick(VALID_IDS)], ['X-Opr-Runtime-Id', d.pick(VALID_IDS)]);
  }
  if (d.chance(0.2))
    headers.push([
      'x-opr-addressing-method',
      d.chance(0.7) ? d.pick(ADDRESSING.slice(0, 3)) : d.pick(ADDRESSING),
    ]);
  if (d.chance(0.15)) headers.push(['X-Forwarded-Host', target.canary]);
  if (d.chance(0.2)) {
    tags.push('odd-header');
    const kind = d.int(7);
    if (kind === 0) headers.push([d.token(d.int(30) + 1).replace(/:/g, ''), d.token(d.int(100))]);
    else if (kind === 1) headers.push(['X-Bad', Buffer.concat([Buffer.from('v'), d.pick(INVALID_UTF8)])]);
    else if (kind === 2) headers.push(['X-Ctl', `a${String.fromCharCode(d.int(32))}b`]);
    else if (kind === 3) headers.push(['X-Huge', 'h'.repeat(d.pick([8_000, 20_000, 100_000]))]);
    else if (kind === 4) headers.push(['', 'empty-name']);
    else if (kind === 5) headers.push(['X Space', 'v']);
    else {
      // Past 1,000 headers a receiver keeping only the first ones reads another request.
      const n = d.pick([50, 200, 1_021, 2_000]);
      if (n > 200) tags.push('many-headers');
      for (let i = 0; i < n; i++) headers.push([`m${i}`, 'v']);
    }
  }
  // Half the requests are framed correctly, so the fuzz also reaches the forwarding path.
  const framing = d.chance(0.5) ? 9 : d.int(9);
  tags.push(`framing${framing}`);
  let payload: Buffer = Buffer.alloc(0);
  if (framing > 0) {
    const b = body(d, tags);
    headers.push(['Content-Type', b.type]);
    payload = b.data;
  }
  let bodyBytes: Buffer = payload;
  switch (framing) {
    case 1: // truncated: announced longer than sent
      headers.push(['Content-Length', String(payload.length + 1 + d.int(1000))]);
      break;
    case 2: // chunked, well-formed
      headers.push(['Transfer-Encoding', 'chunked']);
      bodyBytes = Buffer.concat([
        Buffer.from(`${payload.length.toString(16)}\r\n`),
        payload,
        Buffer.from('\r\n0\r\n\r\n'),
      ]);
      break;
    case 3: // chunked, malformed
      headers.push(['Transfer-Encoding', 'chunked']);
      bodyBytes = Buffer.concat([
        Buffer.from(
          d.pick(['zz\r\n', `${(payload.length + 10).toString(16)}\r\n`, '-1\r\n', 'ffffffffffffffff\r\n']),
        ),
        payload,
        Buffer.from(d.pick(['\r\n0\r\n\r\n', '', '\r\n'])),
      ]);
      break;
    case 4: // chunked, truncated
      headers.push(['Transfer-Encoding', 'chunked']);
      bodyBytes = Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload]);
      break;
    case 5: // smuggling: both framings
      headers.push(['Content-Length', String(payload.length)], ['Transfer-Encoding', 'chunked']);
      break;
    case 6: // smuggling: duplicate lengths
      headers.push(
        ['Content-Length', String(payload.length)],
        ['Content-Length', String(payload.length + 1)],
      );
      break;
    case 7: // odd length values
      headers.push(['Content-Length', d.pick(['-1', 'abc', ' 5', '0x10', '1e3', '99999999999999999999'])]);
      break;
    default:
      headers.push(['Content-Length', String(payload.length)]);
  }
  if (d.chance(0.7)) headers.push(['Connection', 'close']);
  const head = Buffer.concat([
    Buffer.from(`${method} ${target_} ${version}\r\n`),
    ...headers.map(([n, v]) =>
      Buffer.concat([Buffer.from(n), Buffer.from(': '), Buffer.from(v), Buffer.from('\r\n')]),
    ),
    Buffer.from('\r\n'),
  ]);
  const all = Buffer.concat([head, bodyBytes]);
  // Sometimes the bytes arrive in several writes, split anywhere (also inside the head).
  const pieces: Buffer[] = [];
  if (d.chance(0.3) && all.length > 2) {
    const cut = 1 + d.int(all.length - 1);
    pieces.push(all.subarray(0, cut), all.subarray(cut));
    tags.push('split');
  } else pieces.push(all);
  return { tags, method, pieces };
}
