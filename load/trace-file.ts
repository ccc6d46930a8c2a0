import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FleetgateError } from '../lib/errors.ts';
import { parseDurations, parseInvocations, type Trace } from './trace.ts';

/**
 * Reads an Azure Functions 2019 trace sample: `path` is its folder or its `invocations.csv`;
 * `durations.csv` beside it is read when present (without it, executions carry no duration).
 */
export async function loadTrace(path: string): Promise<Trace> {
  if (!existsSync(path)) throw new FleetgateError('LOAD_TRACE_MISSING', `trace not found: ${path}`);
  const folder = statSync(path).isDirectory() ? path : dirname(path);
  const invocationsFile = statSync(path).isDirectory() ? join(path, 'invocations.csv') : path;
  if (!existsSync(invocationsFile)) {
    throw new FleetgateError('LOAD_TRACE_MISSING', `trace folder has no invocations.csv: ${path}`);
  }
  const functions = parseInvocations(await readFile(invocationsFile, 'utf8'), basename(invocationsFile));
  const durationsFile = join(folder, 'durations.csv');
  const durations = existsSync(durationsFile)
    ? parseDurations(await readFile(durationsFile, 'utf8'), 'durations.csv')
    : new Map();
  const minutes = Math.max(0, ...functions.map((f) => f.perMinute.length));
  return { functions, durations, minutes };
}
