import { describe, expect, it } from 'vitest';
import { FieldSeal } from './sealed-fields.ts';

const FIELDS = {
  image: 'openruntimes/node:v5-22',
  source: '/s/a.tar.gz',
  entrypoint: 'index.mjs',
  variables: { API_KEY: 'very-secret-value' },
  runtimeEntrypoint: '',
  cpus: 1,
  memory: 512,
  version: 'v5',
  restartPolicy: 'no',
};

describe('FieldSeal', () => {
  it('opens what it sealed; the sealed text does not show the variables', () => {
    const seal = new FieldSeal('executor-secret');
    const sealed = seal.seal(FIELDS);
    expect(sealed).not.toContain('very-secret-value');
    expect(Buffer.from(sealed, 'base64').toString('utf8')).not.toContain('very-secret-value');
    expect(new FieldSeal('executor-secret').open(sealed)).toEqual(FIELDS);
  });

  it('opens nothing sealed under another secret, tampered with, or not sealed at all', () => {
    const sealed = new FieldSeal('executor-secret').seal(FIELDS);
    expect(new FieldSeal('other-secret').open(sealed)).toBeUndefined();
    const raw = Buffer.from(sealed, 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(new FieldSeal('executor-secret').open(raw.toString('base64'))).toBeUndefined();
    expect(new FieldSeal('executor-secret').open('not sealed')).toBeUndefined();
  });
});
