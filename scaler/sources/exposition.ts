import { FleetgateError } from '../../lib/errors.ts';
import { LABEL_NAME, METRIC_NAME } from './prom-names.ts';
import { parseSampleValue } from './reading.ts';

/** One sample line of the Prometheus text exposition format. */
export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the line carries a timestamp. */
  timestampMs?: number;
}

/** The text was not valid exposition format; `line` is 1-based. */
export class ExpositionParseError extends FleetgateError {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super('SOURCE_EXPOSITION', `line ${line}: ${message}`);
  }
}

/**
 * Parses the Prometheus text exposition format (version 0.0.4, what prom-client writes): comments
 * and `# HELP`/`# TYPE` lines are skipped, every sample line becomes a sample. Pure; throws an
 * ExpositionParseError naming the line on malformed input.
 */
export function parseExposition(text: string): ExpositionSample[] {
  const samples: ExpositionSample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    samples.push(parseLine(line, i + 1));
  }
  return samples;
}

function parseLine(line: string, lineNo: number): ExpositionSample {
  const name = METRIC_NAME.exec(line)?.[0];
  if (!name) throw new ExpositionParseError(`expected a metric name, got "${line.slice(0, 40)}"`, lineNo);
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = parseLabels(rest.slice(1), labels, lineNo);
  }
  const parts = rest.trim().split(/\s+/);
  if (parts.length < 1 || parts.length > 2 || parts[0] === '') {
    throw new ExpositionParseError(`expected "value [timestamp]" after ${name}`, lineNo);
  }
  const value = parseSampleValue(parts[0]!);
  if (value === undefined) throw new ExpositionParseError(`not a number: "${parts[0]}"`, lineNo);
  const sample: ExpositionSample = { name, labels, value };
  if (parts[1] !== undefined) {
    const ts = Number(parts[1]);
    if (!Number.isInteger(ts)) throw new ExpositionParseError(`not a timestamp: "${parts[1]}"`, lineNo);
    sample.timestampMs = ts;
  }
  return sample;
}

/** Parses `a="x",b="y"}` into `labels`; returns what follows the closing brace. */
function parseLabels(input: string, labels: Record<string, string>, lineNo: number): string {
  let rest = input;
  for (;;) {
    rest = rest.trimStart();
    if (rest.startsWith('}')) return rest.slice(1);
    const label = LABEL_NAME.exec(rest)?.[0];
    if (!label) throw new ExpositionParseError(`expected a label name at "${rest.slice(0, 20)}"`, lineNo);
    rest = rest.slice(label.length).trimStart();
    if (!rest.startsWith('="')) throw new ExpositionParseError(`expected ="…" after label ${label}`, lineNo);
    rest = rest.slice(2);
    let value = '';
    let i = 0;
    for (; i < rest.length && rest[i] !== '"'; i++) {
      if (rest[i] === '\\') {
        const next = rest[++i];
        value += next === 'n' ? '\n' : (next ?? '');
      } else value += rest[i];
    }
    if (i >= rest.length) throw new ExpositionParseError(`unterminated value of label ${label}`, lineNo);
    labels[label] = value;
    rest = rest.slice(i + 1).trimStart();
    if (rest.startsWith(',')) rest = rest.slice(1);
    else if (!rest.startsWith('}'))
      throw new ExpositionParseError(`expected , or } after label ${label}`, lineNo);
  }
}
