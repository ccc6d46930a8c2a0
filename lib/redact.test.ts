import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema/root.ts';
import { schemaPaths } from '../test/support/schema-paths.ts';
import { createLogger } from './logger.ts';
import {
  displayValue,
  HIDDEN_URL,
  isSecretName,
  isSecretPath,
  LOGGED_SECRET_FIELDS,
  MASK,
  redactConfig,
  redactTail,
  redactText,
  redactUrl,
} from './redact.ts';

describe('redactUrl', () => {
  it.each([
    ['redis://:hunter2@host:6379', 'redis://:********@host:6379'],
    ['rediss://user:hunter2@host', 'rediss://user:********@host'],
    ['redis-cluster://u:p@h1:1,h2:2', 'redis-cluster://u:********@h1:1,h2:2'],
    ['redis://host:6379', 'redis://host:6379'],
    ['redis://:p@ss@host', 'redis://:********@host'],
    // Redis reads a lone user part as the password (`redis://PASSWORD@host`).
    ['redis://hunter2@host', 'redis://********@host'],
    ['redis://host:6379/0?password=hunter2', 'redis://host:6379/0?password=********'],
    ['http://u:pw@executor:3000/v1', 'http://u:********@executor:3000/v1'],
    ['http://executor:3000/x?token=t&flag#frag', 'http://executor:3000/x?token=********&flag#********'],
    ['http://executor:3000', 'http://executor:3000'],
    ['not a url', 'not a url'],
    ['user:pw@host', HIDDEN_URL],
  ])('%j is shown as %j', (text, shown) => {
    expect(redactUrl(text)).toBe(shown);
  });
});

describe('redactText', () => {
  it.each([
    ['deployed to http://u:pw@h:1 ok', 'deployed to http://u:********@h:1 ok'],
    ['Authorization: Bearer abcdef123', 'Authorization: Bearer ********'],
    ['password=hunter2 next', 'password=******** next'],
    ['API_KEY: "k-123"', 'API_KEY: "********"'],
    ['--secret s3cr3t --port 1', '--secret ******** --port 1'],
    ['DEPLOY_TOKENS=abc', 'DEPLOY_TOKENS=********'],
    ['nothing to hide here', 'nothing to hide here'],
  ])('%j becomes %j', (text, shown) => {
    expect(redactText(text)).toBe(shown);
  });

  it('keeps the tail and redacts what is kept', () => {
    expect(redactTail(`${'x'.repeat(50)} token=abc`, 12)).toBe(`…xx token=${MASK}`);
  });
});

describe('secret names', () => {
  it.each([
    ['secret', true],
    ['executorSecret', true],
    ['adminToken', true],
    ['password', true],
    ['apiKey', true],
    ['credentials', true],
    ['url', false],
    ['keyPrefix', false],
    ['tokenFile', false],
    ['passwordEnv', false],
  ])('%s is a secret: %s', (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });

  it('a path is secret when any field along it is', () => {
    expect(isSecretPath(['registry', 'sentinel', 'password'])).toBe(true);
    expect(isSecretPath(['registry', 'url'])).toBe(false);
  });

  it('every field the logger censors is a secret by the rule', () => {
    expect(LOGGED_SECRET_FIELDS.filter((f) => !isSecretName(f))).toEqual([]);
  });

  it('the logger censors every secret field of the configuration schema', () => {
    // pino matches exact names: a new secret field the logger's list lacks would be logged in clear.
    const secretFields = schemaPaths(configSchema)
      .map((path) => path.split('.'))
      .filter((path) => isSecretName(path.at(-1) ?? ''))
      .map((path) => path.at(-1));
    expect(secretFields.length).toBeGreaterThan(0);
    expect(secretFields.filter((f) => !(LOGGED_SECRET_FIELDS as readonly string[]).includes(f!))).toEqual([]);
  });

  it('the logger writes the mask in place of a secret field, nested or not', () => {
    let out = '';
    const destination = new Writable({
      write(chunk, _encoding, done) {
        out += String(chunk);
        done();
      },
    });
    createLogger({ destination }).info(
      { adminToken: 'tok-1', gateway: { executorSecret: 'sec-2' }, pool: 'p' },
      'hello',
    );
    expect(out).not.toContain('tok-1');
    expect(out).not.toContain('sec-2');
    expect(JSON.parse(out)).toMatchObject({ adminToken: MASK, gateway: { executorSecret: MASK }, pool: 'p' });
  });
});

describe('configuration values', () => {
  it('masks secrets and URL credentials in a copy, leaving the rest', () => {
    const config = {
      gateway: { secret: 's', port: 80, executors: ['http://a:1'] },
      registry: { url: 'redis://:pw@h:1', sentinel: { password: 'p2' } },
    };
    expect(redactConfig(config)).toEqual({
      gateway: { secret: MASK, port: 80, executors: ['http://a:1'] },
      registry: { url: `redis://:${MASK}@h:1`, sentinel: { password: MASK } },
    });
    expect(config.gateway.secret).toBe('s');
  });

  it.each<[string, PropertyKey[], unknown, string]>([
    ['a secret', ['gateway', 'secret'], 'hunter2', MASK],
    ['a non-string secret', ['gateway', 'secret'], 42, '(hidden)'],
    ['a URL', ['registry', 'url'], 'redis://:pw@h', JSON.stringify(`redis://:${MASK}@h`)],
    ['a list', ['gateway', 'executors'], ['a'], 'a list'],
    ['a mapping', ['gateway'], { secret: 'x' }, 'a mapping'],
    ['a long value', ['gateway', 'pool'], 'y'.repeat(100), `"${'y'.repeat(76)}...`],
  ])('displays %s safely', (_name, path, value, shown) => {
    expect(displayValue(path, value)).toBe(shown);
  });
});
