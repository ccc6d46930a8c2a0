import { describe, expect, it } from 'vitest';
import { encodeMultipart } from '../../executor/multipart.ts';
import { createFieldsOf } from './create-fields.ts';

const FIELDS = {
  image: 'openruntimes/node:v5-22',
  source: '/storage/fn.tar.gz',
  entrypoint: 'index.mjs',
  runtimeEntrypoint: 'sh helpers/server.sh',
  version: 'v5',
};

describe('createFieldsOf', () => {
  it('reads the runtime fields of a JSON execution, leaving out the execution-only ones', () => {
    const body = Buffer.from(
      JSON.stringify({
        ...FIELDS,
        body: 'hi',
        path: '/x',
        timeout: 15,
        cpus: 2,
        memory: 1024,
        variables: { A: '1' },
      }),
    );
    expect(createFieldsOf(body, 'application/json')).toEqual({
      ...FIELDS,
      cpus: 2,
      memory: 1024,
      variables: { A: '1' },
    });
  });

  it('reads multipart as Appwrite sends it: numbers and variables as text', () => {
    const boundary = 'b0undary';
    const body = encodeMultipart(
      {
        ...FIELDS,
        cpus: '0.5',
        memory: '256',
        variables: { json: { KEY: 'v', N: 3 } },
        body: Buffer.from([0xff, 0]),
      },
      boundary,
    );
    expect(createFieldsOf(body, `multipart/form-data; boundary=${boundary}`)).toEqual({
      ...FIELDS,
      cpus: 0.5,
      memory: 256,
      variables: { KEY: 'v', N: '3' },
    });
  });

  it('reads urlencoded forms, and a form that is JSON as JSON', () => {
    const form = new URLSearchParams({ image: 'img', source: 's' }).toString();
    expect(createFieldsOf(Buffer.from(form), 'application/x-www-form-urlencoded')).toEqual({
      image: 'img',
      source: 's',
    });
    expect(
      createFieldsOf(Buffer.from('{"image":"img","variables":[]}'), 'application/x-www-form-urlencoded'),
    ).toEqual({ image: 'img', variables: {} });
  });

  it('stands aside (undefined) without an image or when the body cannot be read', () => {
    expect(createFieldsOf(null, 'application/json')).toBeUndefined();
    expect(createFieldsOf(Buffer.from('{"source":"s"}'), 'application/json')).toBeUndefined();
    expect(createFieldsOf(Buffer.from('{"image":""}'), 'application/json')).toBeUndefined();
    expect(createFieldsOf(Buffer.from('{not json'), 'application/json')).toBeUndefined();
    expect(createFieldsOf(Buffer.from('[1]'), 'application/json')).toBeUndefined();
    expect(createFieldsOf(Buffer.from('{"image":"i","cpus":"many"}'), 'application/json')).toBeUndefined();
    expect(createFieldsOf(Buffer.from('{"image":"i","variables":{"A":{}}}'), undefined)).toBeUndefined();
    expect(createFieldsOf(Buffer.from('--x\r\nbroken'), 'multipart/form-data; boundary=x')).toBeUndefined();
    expect(createFieldsOf(Buffer.from('image=i'), 'multipart/form-data')).toBeUndefined();
  });
});
