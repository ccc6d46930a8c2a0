import { MultipartError, multipartBoundary, parseMultipart } from '../../executor/multipart.ts';

/**
 * The runtime fields of an execution body that a create needs (the executor's own names). Appwrite
 * sends them with every execution so that an executor can cold-start a runtime it does not have.
 */
export interface CreateFields {
  image: string;
  source: string;
  entrypoint: string;
  variables: Record<string, string>;
  runtimeEntrypoint: string;
  cpus: number;
  memory: number;
  version: string;
  restartPolicy: string;
}

const TEXT_FIELDS = [
  'image',
  'source',
  'entrypoint',
  'runtimeEntrypoint',
  'version',
  'restartPolicy',
] as const;

/**
 * Reads the create fields of an execution body: JSON object, urlencoded form (a `{…}` form is JSON,
 * as in the executor) or multipart/form-data. Undefined when the body carries no `image` or cannot
 * be read: the activator then stands aside and the executor answers the execution as it would
 * without a gateway (its own 400 for a malformed body). Fields the body leaves out are left out of
 * the create too, so the executor's defaults apply. Pure.
 */
export function createFieldsOf(
  body: Buffer | null,
  contentType: string | undefined,
): CreateFields | undefined {
  if (body === null || body.length === 0) return undefined;
  const raw = rawFields(body, (contentType ?? '').toLowerCase(), contentType ?? '');
  if (raw === undefined) return undefined;
  const text = (name: string): string | undefined => {
    const v = raw[name];
    if (typeof v === 'string') return v;
    if (Buffer.isBuffer(v)) return v.toString('utf8');
    return undefined;
  };
  const image = text('image');
  if (image === undefined || image === '') return undefined;
  const out: Partial<CreateFields> = {};
  for (const name of TEXT_FIELDS) {
    const v = text(name);
    if (v !== undefined) out[name] = v;
  }
  for (const name of ['cpus', 'memory'] as const) {
    const v = raw[name];
    const n = typeof v === 'number' ? v : Number(text(name) ?? Number.NaN);
    if (v !== undefined && !Number.isFinite(n)) return undefined;
    if (v !== undefined) out[name] = n;
  }
  if (raw.variables !== undefined) {
    const variables = variablesOf(raw.variables);
    if (variables === undefined) return undefined;
    out.variables = variables;
  }
  return out as CreateFields;
}

function rawFields(body: Buffer, type: string, contentType: string): Record<string, unknown> | undefined {
  if (type.startsWith('multipart/form-data')) {
    const boundary = multipartBoundary(contentType);
    if (boundary === undefined) return undefined;
    try {
      const fields: Record<string, unknown> = {};
      for (const part of parseMultipart(body, boundary)) {
        if (Object.hasOwn(fields, part.name)) return undefined;
        fields[part.name] = part.value;
      }
      return fields;
    } catch (error) {
      if (error instanceof MultipartError) return undefined;
      throw error;
    }
  }
  const text = body.toString('utf8');
  if (type.startsWith('application/x-www-form-urlencoded') && !text.trimStart().startsWith('{')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  return jsonObject(text);
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    return parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** `variables`: an object of strings, or (multipart, forms) its JSON text; `[]` is `{}` (PHP clients). */
function variablesOf(value: unknown): Record<string, string> | undefined {
  let v = value;
  if (Buffer.isBuffer(v)) v = v.toString('utf8');
  if (typeof v === 'string') v = v.trim() === '' ? {} : jsonObjectOrEmptyList(v);
  if (Array.isArray(v) && v.length === 0) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string') out[k] = x;
    else if (typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
    else return undefined;
  }
  return out;
}

function jsonObjectOrEmptyList(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
