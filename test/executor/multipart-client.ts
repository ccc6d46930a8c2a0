import { multipartBoundary, parseMultipart } from '../../executor/multipart.ts';

/** A multipart response's parts as bytes, by name; throws when it is not multipart. */
export async function readMultipartBytes(res: Response): Promise<Record<string, Buffer>> {
  const boundary = multipartBoundary(res.headers.get('content-type') ?? '');
  if (boundary === undefined) throw new Error(`not multipart: ${res.headers.get('content-type')}`);
  const parts = parseMultipart(Buffer.from(await res.arrayBuffer()), boundary);
  return Object.fromEntries(parts.map((p) => [p.name, p.value]));
}

/** A multipart response's parts decoded as UTF-8 text, by name. */
export async function readMultipartResponse(res: Response): Promise<Record<string, string>> {
  const bytes = await readMultipartBytes(res);
  return Object.fromEntries(Object.entries(bytes).map(([k, v]) => [k, v.toString('utf8')]));
}
