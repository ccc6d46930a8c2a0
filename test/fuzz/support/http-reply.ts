import { connect } from 'node:net';

/** One parsed HTTP/1.x response. */
export interface ParsedResponse {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
}

/** Result of parsing what a server wrote on one connection. */
export type ParseResult =
  | { kind: 'complete'; responses: ParsedResponse[]; rest: Buffer }
  | { kind: 'partial' }
  | { kind: 'malformed'; reason: string }
  /** A well-formed head whose body ended early with the connection: how a proxy says the upstream broke mid-response. */
  | { kind: 'broken'; reason: string; status: number };

const STATUS_LINE = /^HTTP\/1\.[01] ([1-5]\d\d)(?: [^\r\n]*)?$/;
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/;

/**
 * Parses the first response in `data` (and any after it). `closed`: the server closed the connection,
 * so a body without framing ends here. `head`: the request was HEAD (no body whatever the headers say).
 */
export function parseResponses(data: Buffer, closed: boolean, head = false): ParseResult {
  const responses: ParsedResponse[] = [];
  let rest = data;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) {
      if (closed)
        return {
          kind: 'malformed',
          reason: `headers cut off: ${JSON.stringify(rest.subarray(0, 80).toString('latin1'))}`,
        };
      return responses.length > 0 ? { kind: 'complete', responses, rest } : { kind: 'partial' };
    }
    const lines = rest.subarray(0, end).toString('latin1').split('\r\n');
    const m = STATUS_LINE.exec(lines[0] ?? '');
    if (!m) return { kind: 'malformed', reason: `bad status line: ${JSON.stringify(lines[0])}` };
    const status = Number(m[1]);
    const headers: Array<[string, string]> = [];
    for (const line of lines.slice(1)) {
      const h = HEADER_LINE.exec(line);
      if (!h) return { kind: 'malformed', reason: `bad header line: ${JSON.stringify(line.slice(0, 80))}` };
      headers.push([h[1]!.toLowerCase(), h[2]!]);
    }
    const get = (name: string) => headers.filter(([n]) => n === name).map(([, v]) => v);
    const lengths = get('content-length');
    const chunked = get('transfer-encoding').some((v) => /chunked/i.test(v));
    if (lengths.length > 1 || (lengths.length === 1 && chunked))
      return { kind: 'malformed', reason: 'response with conflicting framing' };
    let bodyStart = end + 4;
    let body: Buffer;
    if (head || status === 204 || status === 304 || status < 200) {
      body = Buffer.alloc(0);
    } else if (chunked) {
      const chunks: Buffer[] = [];
      for (;;) {
        const eol = rest.indexOf('\r\n', bodyStart);
        if (eol < 0)
          return closed ? { kind: 'broken', status, reason: 'chunked body cut off' } : { kind: 'partial' };
        const size = Number.parseInt(rest.subarray(bodyStart, eol).toString('latin1'), 16);
        if (!Number.isFinite(size)) return { kind: 'malformed', reason: 'bad chunk size' };
        if (size === 0) {
          const trailerEnd = rest.indexOf('\r\n\r\n', Math.max(eol - 2, 0));
          if (trailerEnd < 0)
            return closed ? { kind: 'broken', status, reason: 'chunked body cut off' } : { kind: 'partial' };
          bodyStart = trailerEnd + 4;
          break;
        }
        if (rest.length < eol + 2 + size + 2)
          return closed ? { kind: 'broken', status, reason: 'chunk cut off' } : { kind: 'partial' };
        chunks.push(rest.subarray(eol + 2, eol + 2 + size));
        bodyStart = eol + 2 + size + 2;
      }
      body = Buffer.concat(chunks);
    } else if (lengths.length === 1) {
      const n = Number(lengths[0]);
      if (!Number.isInteger(n) || n < 0)
        return { kind: 'malformed', reason: `bad content-length ${lengths[0]}` };
      if (rest.length < bodyStart + n)
        return closed
          ? { kind: 'broken', status, reason: 'body shorter than content-length' }
          : { kind: 'partial' };
      body = rest.subarray(bodyStart, bodyStart + n);
      bodyStart += n;
    } else {
      // No framing: the body runs to the close.
      if (!closed) return { kind: 'partial' };
      body = rest.subarray(bodyStart);
      bodyStart = rest.length;
    }
    responses.push({ status, headers, body });
    rest = rest.subarray(bodyStart);
  }
  return { kind: 'complete', responses, rest };
}

/** What one raw exchange produced. */
export interface Exchange {
  /** `response`: at least one well-formed response; `closed`: a clean close without a response. */
  kind: 'response' | 'closed' | 'malformed' | 'broken' | 'hang';
  responses: ParsedResponse[];
  reason?: string;
  raw: Buffer;
}

/**
 * Writes `request` (in the given pieces) on a new connection and waits for a complete response. When
 * none comes within `quietMs` (an incomplete request the server is still waiting for), the client
 * half-closes; the server must then answer or close within `closeMs`, or the exchange is a hang.
 */
export function rawExchange(
  port: number,
  pieces: Buffer[],
  options: { head?: boolean; quietMs?: number; closeMs?: number } = {},
): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (e: Omit<Exchange, 'raw'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...e, raw: data });
    };
    const check = (closed: boolean) => {
      const parsed = parseResponses(data, closed, options.head);
      if (parsed.kind === 'malformed')
        return finish({ kind: 'malformed', responses: [], reason: parsed.reason });
      if (parsed.kind === 'broken')
        return finish({ kind: 'broken', responses: [], reason: `${parsed.status}: ${parsed.reason}` });
      if (parsed.kind === 'complete') return finish({ kind: 'response', responses: parsed.responses });
      if (closed)
        finish({
          kind: data.length === 0 ? 'closed' : 'malformed',
          responses: [],
          reason: 'partial then close',
        });
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      check(false);
    });
    socket.on('close', () => check(true));
    socket.on('error', () => {
      // A reset after or instead of an answer: judged on what arrived.
    });
    socket.once('connect', () => {
      for (const piece of pieces) if (!socket.destroyed) socket.write(piece);
      timer = setTimeout(() => {
        if (settled) return;
        socket.end();
        timer = setTimeout(
          () =>
            finish({
              kind: 'hang',
              responses: [],
              reason: `no complete answer and no close ${options.closeMs ?? 5_000} ms after the client half-closed; got ${data.length} bytes: ${JSON.stringify(data.subarray(0, 160).toString('latin1'))}`,
            }),
          options.closeMs ?? 5_000,
        );
      }, options.quietMs ?? 2_000);
    });
  });
}
