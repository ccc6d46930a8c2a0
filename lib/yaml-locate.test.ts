import { describe, expect, it } from 'vitest';
import { LineCounter, parseAllDocuments, parseDocument } from 'yaml';
import { parseYamlSource } from '../config/yaml-source.ts';
import { PolicyError, parsePolicies } from '../scaler/policy/parse.ts';
import { type LocateTarget, positionOfPath } from './yaml-locate.ts';

const TEXT = [
  'gateway:', //                       1
  '  port: 8080', //                   2
  '  executors:', //                   3
  '    - a:1', //                      4
  '    - &b b:2', //                   5
  '  healthCheck:', //                 6
  '    interval: 5s', //               7
  '  again: *b', //                    8
  '  note: |', //                      9
  '    text', //                       10
  '1: numeric key', //                 11
].join('\n');

const at = (path: PropertyKey[], target: LocateTarget) => {
  const lineCounter = new LineCounter();
  const doc = parseDocument(TEXT, { lineCounter });
  const p = positionOfPath(doc, path, lineCounter, target);
  return p && `${p.line}:${p.col}`;
};

describe('positionOfPath', () => {
  it.each<[string, PropertyKey[], LocateTarget, string | undefined]>([
    ['a scalar value', ['gateway', 'port'], 'value', '2:9'],
    ['a scalar by its key', ['gateway', 'port'], 'key', '2:3'],
    ['a list item (after its anchor)', ['gateway', 'executors', 1], 'value', '5:10'],
    ['a missing list item: the list', ['gateway', 'executors', 9], 'value', '4:5'],
    ['a missing field: the enclosing mapping', ['gateway', 'healthCheck', 'timeout'], 'value', '7:5'],
    ['a missing field by key: the last key found', ['gateway', 'healthCheck', 'timeout'], 'key', '6:3'],
    ['an alias: the anchored node', ['gateway', 'again'], 'value', '5:10'],
    ['a block scalar by its key', ['gateway', 'note'], 'key', '9:3'],
    ['a numeric key named as a string', ['1'], 'key', '11:1'],
    ['the root', [], 'value', '1:1'],
  ])('%s', (_name, path, target, expected) => {
    expect(at(path, target)).toBe(expected);
  });

  it('answers undefined for an empty document', () => {
    const lineCounter = new LineCounter();
    expect(positionOfPath(parseDocument('', { lineCounter }), ['x'], lineCounter)).toBeUndefined();
  });

  it('works on any document of a multi-document stream', () => {
    const lineCounter = new LineCounter();
    const docs = parseAllDocuments('a: 1\n---\nb:\n  c: 2\n', { lineCounter });
    if (!Array.isArray(docs)) throw new Error('expected documents');
    expect(positionOfPath(docs[1]!, ['b', 'c'], lineCounter, 'key')).toEqual({ line: 4, col: 3 });
  });
});

describe('the configuration loader and the policy parser locate the same field alike', () => {
  // Both used to carry a walk of their own, which differed on numeric keys.
  const text = 'pool: default\nsource:\n  gateway: {}\ninterval: nope\n';
  it('names line 4 for interval in both', () => {
    const config = parseYamlSource(text);
    if ('errors' in config) throw new Error('expected YAML');
    expect(config.locate(['interval'])).toBe('4:11');
    expect(config.locate(['interval'], { key: true })).toBe('4:1');
    let error: unknown;
    try {
      parsePolicies(text, 'p.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).issues.find((i) => i.path === 'interval')?.line).toBe(4);
  });
});
