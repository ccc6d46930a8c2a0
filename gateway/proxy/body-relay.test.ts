import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyRelay, releaseBody } from './body-relay.ts';

async function readAll(relay: BodyRelay): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of relay) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('BodyRelay', () => {
  it('destroyed before it took a chunk: the source is intact and a fresh relay reads all of it', async () => {
    const source = new PassThrough();
    const first = new BodyRelay(source);
    first.resume(); // asks for data: nothing there yet
    const closed = new Promise((r) => first.on('close', r));
    first.on('error', () => {});
    first.destroy(new Error('connection reset'));
    await closed;
    expect(first.took).toBe(false);
    expect(source.destroyed).toBe(false);
    expect(source.listenerCount('readable')).toBe(0);
    expect(source.listenerCount('end')).toBe(0);
    expect(source.listenerCount('data')).toBe(0);

    const second = new BodyRelay(source);
    source.write('hello ');
    source.end('world');
    expect((await readAll(second)).toString()).toBe('hello world');
    expect(second.took).toBe(true);
  });

  it('takes chunks only on demand: a relay nobody reads leaves the body in the source', async () => {
    const source = new PassThrough();
    const relay = new BodyRelay(source);
    source.write('abc');
    await new Promise((r) => setImmediate(r));
    expect(relay.took).toBe(false);
    expect(source.readableLength).toBe(3);
    relay.destroy();
  });

  it('passes a source error on', async () => {
    const source = new PassThrough();
    const relay = new BodyRelay(source);
    relay.resume();
    source.destroy(new Error('client upload broke'));
    const [error] = (await once(relay, 'error').catch((e: unknown) => [e])) as [Error];
    expect(error.message).toBe('client upload broke');
  });

  it('a source that closed before its end fails the relay instead of waiting for it', async () => {
    const source = new PassThrough();
    source.destroy();
    await once(source, 'close');
    const relay = new BodyRelay(source);
    relay.resume();
    const [error] = (await once(relay, 'error').catch((e: unknown) => [e])) as [Error];
    expect(error.message).toMatch(/closed before its end/);
  });

  it('releaseBody destroys the body no attempt reads any more', () => {
    const source = new PassThrough();
    releaseBody(source);
    expect(source.destroyed).toBe(true);
  });
});
