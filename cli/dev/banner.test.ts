import { describe, expect, it } from 'vitest';
import { type BannerInput, curlCommands, devBanner, shellQuote } from './banner.ts';

const input: BannerInput = {
  gatewayUrl: 'http://127.0.0.1:8080',
  secret: 's3cr3t',
  registry: 'in-memory',
  policy: 'default policy: 1–8 hosts',
  executors: 2,
  executorMode: 'process',
  executorLogs: '/tmp/x',
  functionDir: '/repo/examples/functions/hello',
  entrypoint: 'index.mjs',
  image: 'openruntimes/node:v5-22',
  runtimeId: 'hello',
};

describe('shellQuote', () => {
  it.each([
    { text: 'plain', quoted: "'plain'" },
    { text: "it's", quoted: "'it'\\''s'" },
    { text: '{"a":"b c"}', quoted: `'{"a":"b c"}'` },
  ])('$text', ({ text, quoted }) => expect(shellQuote(text)).toBe(quoted));
});

describe('devBanner', () => {
  it('gives two one-line curl commands that create and execute the sample function', () => {
    const { create, execute } = curlCommands(input);
    expect(create).toBe(
      `curl -s -X POST http://127.0.0.1:8080/v1/runtimes -H 'Authorization: Bearer s3cr3t' -H 'Content-Type: application/json' -d '{"runtimeId":"hello","image":"openruntimes/node:v5-22","source":"/repo/examples/functions/hello","entrypoint":"index.mjs"}'`,
    );
    expect(execute).toBe(
      `curl -s -X POST http://127.0.0.1:8080/v1/runtimes/hello/executions -H 'Authorization: Bearer s3cr3t' -H 'Content-Type: application/json' -H 'Accept: application/json' -d '{"method":"GET","path":"/?name=Fleetgate"}'`,
    );
    const text = devBanner(input);
    expect(text).toContain(`  ${create}\n`);
    expect(text).toContain(`  ${execute}\n`);
    expect(text).toContain('  secret     s3cr3t\n');
    expect(text).toContain('  gateway    http://127.0.0.1:8080');
    // Issue 18 finding 12: the banner suggested --secret on command lines (visible in ps).
    expect(text).not.toContain('--secret');
    expect(text).toContain("  export FLEETGATE_GATEWAY_SECRET='s3cr3t'\n");
  });
});
