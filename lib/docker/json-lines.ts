import type { Readable } from 'node:stream';

/**
 * Reads a stream of JSON objects, one per line (the engine's progress streams of build, import and
 * events), calling `onObject` for each. A line that is not JSON is passed as `{ raw: line }`.
 */
export async function readJsonLines(
  body: Readable,
  onObject: (value: Record<string, unknown>) => void,
): Promise<void> {
  let partial = '';
  const emit = (line: string) => {
    const text = line.trim();
    if (text === '') return;
    try {
      onObject(JSON.parse(text) as Record<string, unknown>);
    } catch {
      onObject({ raw: text });
    }
  };
  for await (const chunk of body) {
    const lines = (partial + (chunk as Buffer).toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) emit(line);
  }
  emit(partial);
}

/** The error a progress object reports (`error` / `errorDetail.message`), if any. */
export function progressError(value: Record<string, unknown>): string | undefined {
  const detail = value.errorDetail as { message?: unknown } | undefined;
  if (typeof detail?.message === 'string') return detail.message;
  if (typeof value.error === 'string') return value.error;
  return undefined;
}
