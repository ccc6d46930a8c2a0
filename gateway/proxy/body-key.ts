import type { Readable } from 'node:stream';
import { GatewayError } from '../errors.ts';

/**
 * Reads a request body into memory, failing with 413 past `limit` bytes. Only used where the gateway
 * must look inside a body (the create route without a runtime id header, and broadcasts).
 */
export function readBoundedBody(stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        stream.resume(); // drain the rest so the 413 can be written
        reject(
          new GatewayError('GW_BODY_TOO_LARGE', `Request body is larger than the limit of ${limit} bytes.`),
        );
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(
        new GatewayError('GW_BAD_BODY', 'The request body could not be read: the client went away.', {
          cause: error,
        }),
      );
    };
    const onAborted = () => onError(new Error('aborted'));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('aborted', onAborted);
  });
}

/**
 * The `runtimeId` field of a create-runtime body, read the way the executor reads its fields
 * (executor/fields.ts): multipart/form-data; application/x-www-form-urlencoded (a body that starts
 * with `{` is JSON sent with curl's default type); anything else as JSON. A field given twice: the
 * last one wins in JSON and in forms, as in the executor (and in PHP, the real executor); in
 * multipart both sides refuse it. Undefined when the body has none (the executor then answers its
 * own 400). Malformed multipart, or malformed JSON sent as JSON, is a 400.
 */
export function runtimeIdFromBody(body: Buffer, contentType: string | undefined): string | undefined {
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) return fromMultipart(body, contentType ?? '');
  if (body.length === 0) return undefined;
  if (type.startsWith('application/x-www-form-urlencoded')) return fromForm(body);
  if (type === '' || type.startsWith('application/json') || type.includes('+json')) return fromJson(body);
  // The executor reads any other type as JSON too; a body that is not JSON is its 400 to give.
  try {
    return fromJson(body);
  } catch (error) {
    if ((error as GatewayError).code === 'GW_BAD_RUNTIME_ID') throw error;
    return undefined;
  }
}

function fromForm(body: Buffer): string | undefined {
  const text = body.toString('utf8');
  if (text.trimStart().startsWith('{')) return fromJson(body);
  const all = new URLSearchParams(text).getAll('runtimeId');
  return all.length === 0 ? undefined : all[all.length - 1];
}

function fromJson(body: Buffer): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new GatewayError('GW_BAD_BODY', `Malformed JSON body: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new GatewayError('GW_BAD_BODY', 'Malformed JSON body: expected an object.');
  }
  const id = (parsed as Record<string, unknown>).runtimeId;
  if (id === undefined || id === null) return undefined;
  if (typeof id !== 'string')
    throw new GatewayError('GW_BAD_RUNTIME_ID', 'runtimeId in the body must be a string.');
  return id;
}

const NAME = /\bname="([^"]*)"/i;

/** A minimal RFC 7578 reader: finds the `runtimeId` part; rejects bodies that are not multipart. */
function fromMultipart(body: Buffer, contentType: string): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary || boundary.length > 200) {
    throw new GatewayError('GW_BAD_BODY', 'Malformed multipart body: the content type has no boundary.');
  }
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  let pos = body.indexOf(delimiter);
  if (pos === -1) throw new GatewayError('GW_BAD_BODY', 'Malformed multipart body: no opening boundary.');
  let found: string | undefined;
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === 45 && body[pos + 1] === 45) return found; // "--": closing delimiter
    const headerStart = body.indexOf('\r\n', pos);
    if (headerStart === -1) break;
    const headerEnd = body.indexOf('\r\n\r\n', headerStart);
    if (headerEnd === -1) break;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next === -1) break;
    const headers = body.toString('latin1', headerStart + 2, headerEnd);
    const name = NAME.exec(headers)?.[1];
    if (name === 'runtimeId') {
      // The executor reads the last one: two are refused on both sides (issue 18).
      if (found !== undefined) {
        throw new GatewayError('GW_BAD_BODY', 'Malformed multipart body: the field "runtimeId" is repeated.');
      }
      found = body.toString('utf8', headerEnd + 4, next);
    }
    pos = next + 2;
  }
  throw new GatewayError(
    'GW_BAD_BODY',
    'Malformed multipart body: a part or the closing boundary is missing.',
  );
}
