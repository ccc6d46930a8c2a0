/**
 * multipart/form-data as bytes, both ways (RFC 7578). Field values stay `Buffer`s: a field is never
 * decoded as text here, so bytes that are not UTF-8 reach the runtime unchanged (the web `FormData`
 * decodes text fields as UTF-8 and rewrites `\n` as `\r\n` when it encodes). Pure: no I/O.
 */

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** Why a multipart body could not be read; the caller turns it into a 400. */
export class MultipartError extends Error {}

/** The `boundary` parameter of a `multipart/form-data` content type, or undefined. */
export function multipartBoundary(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  return boundary !== undefined && boundary.length <= 200 ? boundary : undefined;
}

/** One part: its `name` and its bytes exactly as sent. */
export interface MultipartPart {
  name: string;
  value: Buffer;
}

/**
 * Splits `body` into parts by `boundary`. Each part needs a `Content-Disposition: form-data;
 * name="…"` header; the bytes between the blank line after its headers and the CRLF before the
 * next delimiter are its value, unchanged.
 */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const dash = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.concat([CRLF, dash]);
  // The first delimiter may open the body or follow a preamble.
  let at = body.subarray(0, dash.length).equals(dash) ? 0 : body.indexOf(delimiter);
  if (at === -1) throw new MultipartError(`no "--${boundary.slice(0, 40)}" delimiter in the body`);
  at += at === 0 ? dash.length : delimiter.length;
  const parts: MultipartPart[] = [];
  for (;;) {
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts; // "--": the closing delimiter
    const lineEnd = body.indexOf(CRLF, at);
    if (lineEnd === -1) throw new MultipartError('the body ends inside a delimiter line');
    const headersStart = lineEnd + CRLF.length;
    const headersEnd = body.indexOf(HEADER_END, headersStart - CRLF.length);
    if (headersEnd === -1) throw new MultipartError('a part has no blank line after its headers');
    const headers = body.subarray(headersStart, headersEnd).toString('latin1');
    const valueStart = headersEnd + HEADER_END.length;
    const next = body.indexOf(delimiter, valueStart);
    if (next === -1) throw new MultipartError('the body ends without a closing delimiter');
    parts.push({ name: partName(headers), value: body.subarray(valueStart, next) });
    at = next + delimiter.length;
  }
}

function partName(headers: string): string {
  for (const line of headers.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon === -1 || line.slice(0, colon).trim().toLowerCase() !== 'content-disposition') continue;
    const match = /;\s*name="([^"]*)"|;\s*name=([^;\s]+)/i.exec(line.slice(colon + 1));
    const name = match?.[1] ?? match?.[2];
    if (name !== undefined && name !== '') return Buffer.from(name, 'latin1').toString('utf8');
  }
  throw new MultipartError('a part has no Content-Disposition name');
}

/** A part to encode: text or bytes as they are, or a value sent as JSON (`Content-Type: application/json`). */
export type OutgoingPart = string | Buffer | { json: unknown };

/**
 * Encodes parts the way open-runtimes/executor's `BodyMultipart` does: a `Content-Disposition`
 * line, a blank line, the bytes unchanged (`\n` stays `\n`), CRLF, the next delimiter.
 */
export function encodeMultipart(parts: Record<string, OutgoingPart>, boundary: string): Buffer {
  const chunks: Buffer[] = [Buffer.from(`--${boundary}`)];
  for (const [name, value] of Object.entries(parts)) {
    const isJson = typeof value === 'object' && !Buffer.isBuffer(value);
    const head = `\r\nContent-Disposition: form-data; name="${name}"\r\n${isJson ? 'Content-Type: application/json\r\n' : ''}\r\n`;
    chunks.push(Buffer.from(head));
    chunks.push(isJson ? Buffer.from(JSON.stringify(value.json)) : Buffer.from(value));
    chunks.push(Buffer.from(`\r\n--${boundary}`));
  }
  chunks.push(Buffer.from('--\r\n'));
  return Buffer.concat(chunks);
}
