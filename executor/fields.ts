import type { Context } from 'hono';
import { isValidRuntimeId } from '../lib/request-rules.ts';
import { ExecutorError, type ExecutorErrorType } from './errors.ts';
import { MultipartError, type MultipartPart, multipartBoundary, parseMultipart } from './multipart.ts';

/** A request's fields, from a JSON object body or a multipart/urlencoded form. */
export type Fields = Record<string, unknown>;

/**
 * Reads the body as fields: JSON (must be an object), multipart/form-data or urlencoded; an empty
 * body is no fields. Bad input becomes `errorType` (400) naming what was wrong.
 */
export async function readFields(c: Context, errorType: ExecutorErrorType): Promise<Fields> {
  try {
    return await readFieldsUnguarded(c, errorType);
  } catch (error) {
    if (error instanceof ExecutorError) throw error;
    // The body stream failed: the client went away or sent a broken body.
    throw new ExecutorError(errorType, `Could not read the request body: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function readFieldsUnguarded(c: Context, errorType: ExecutorErrorType): Promise<Fields> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const text = await c.req.text();
    // `curl -d '{...}'` sends JSON labelled as a form: read it as the JSON it is.
    if (text.trimStart().startsWith('{')) return parseJsonObject(text, errorType);
    return Object.fromEntries(new URLSearchParams(text));
  }
  if (type.startsWith('multipart/form-data')) {
    const boundary = multipartBoundary(type);
    if (boundary === undefined) {
      throw new ExecutorError(errorType, 'Invalid multipart body: the content type has no boundary.');
    }
    let parts: MultipartPart[];
    try {
      parts = parseMultipart(Buffer.from(await c.req.arrayBuffer()), boundary);
    } catch (error) {
      if (!(error instanceof MultipartError)) throw error;
      throw new ExecutorError(errorType, `Invalid multipart body: ${error.message}.`);
    }
    // Values stay bytes (a binary body must arrive unchanged); FieldReader decodes the others.
    const fields: Fields = {};
    for (const { name, value } of parts) {
      // A repeated field is refused: the gateway would read the first and we the last (issue 18).
      if (Object.hasOwn(fields, name)) {
        throw new ExecutorError(
          errorType,
          `Invalid multipart body: the field "${name.slice(0, 64)}" is repeated.`,
        );
      }
      fields[name] = value;
    }
    return fields;
  }
  return parseJsonObject(await c.req.text(), errorType);
}

function parseJsonObject(text: string, errorType: ExecutorErrorType): Fields {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ExecutorError(errorType, `Invalid JSON body: ${(error as Error).message}`);
  }
  // A PHP client encodes empty params as `[]` (the real executor's own test client does).
  if (Array.isArray(parsed) && parsed.length === 0) return {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ExecutorError(errorType, 'Invalid JSON body: expected an object.');
  }
  return parsed as Fields;
}

/** Typed access to fields with defaults; every failure names the field. */
export class FieldReader {
  constructor(
    private readonly fields: Fields,
    readonly errorType: ExecutorErrorType,
  ) {}

  /** A field's value; multipart bytes decoded as UTF-8 text (only `bytes()` keeps them raw). */
  private value(name: string): unknown {
    const v = this.fields[name];
    return Buffer.isBuffer(v) ? v.toString('utf8') : v;
  }

  has(name: string): boolean {
    const v = this.value(name);
    return v !== undefined && v !== null && v !== '';
  }

  string(name: string, fallback = ''): string {
    const v = this.value(name);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw this.bad(name, 'must be a string');
  }

  number(name: string, fallback: number, min = 0): number {
    const v = this.value(name);
    if (v === undefined || v === null || v === '') return fallback;
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
    if (!Number.isFinite(n) || n < min)
      throw this.bad(name, `must be a number ≥ ${min}, got ${JSON.stringify(v)}`);
    return n;
  }

  boolean(name: string, fallback: boolean): boolean {
    const v = this.value(name);
    if (v === undefined || v === null || v === '') return fallback;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === '1' || v === 1) return true;
    if (v === 'false' || v === '0' || v === 0) return false;
    throw this.bad(name, `must be a boolean, got ${JSON.stringify(v)}`);
  }

  /** An object of string values, given as an object or a JSON string (multipart); `[]` is `{}`. */
  record(name: string): Record<string, string> {
    let v = this.value(name);
    if (v === undefined || v === null || v === '') return {};
    if (typeof v === 'string') {
      try {
        v = JSON.parse(v);
      } catch {
        throw this.bad(name, 'must be an object or a JSON object string');
      }
    }
    // A PHP client sends an empty map as `[]` (the real executor reads it as {}).
    if (Array.isArray(v) && v.length === 0) return {};
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw this.bad(name, 'must be an object');
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) out[k] = typeof val === 'string' ? val : JSON.stringify(val);
    return out;
  }

  /** A body given as a string or an uploaded file part. */
  async bytes(name: string): Promise<Buffer> {
    const v = this.fields[name];
    if (v === undefined || v === null) return Buffer.alloc(0);
    if (Buffer.isBuffer(v)) return v;
    if (typeof v === 'string') return Buffer.from(v);
    if (v instanceof Blob) return Buffer.from(await v.arrayBuffer());
    return Buffer.from(JSON.stringify(v));
  }

  /** A runtime id checked by the one rule (lib/request-rules.ts). */
  runtimeId(name: string, value = this.string(name)): string {
    if (value === '') throw this.bad(name, 'is required');
    if (!isValidRuntimeId(value)) {
      throw this.bad(name, 'must be 1-64 characters from [A-Za-z0-9._-], not . or ..');
    }
    return value;
  }

  /** An error of this reader's type naming the field and what was wrong with it. */
  invalid(name: string, what: string): ExecutorError {
    return this.bad(name, what);
  }

  private bad(name: string, what: string): ExecutorError {
    return new ExecutorError(this.errorType, `Invalid "${name}": ${what}.`);
  }
}

/** Checks a runtime id taken from the path. */
export function checkRuntimeId(id: string, errorType: ExecutorErrorType): string {
  return new FieldReader({}, errorType).runtimeId('runtimeId', id);
}
