import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BodyLimit } from './body-limit.ts';

/** A request-like source: a stream with the `socket` the limit cuts when the client lingers too long. */
function source() {
  const stream = new PassThrough() as PassThrough & { socket: { destroyed: boolean; destroy(): void } };
  stream.socket = {
    destroyed: false,
    destroy() {
      this.destroyed = true;
    },
  };
  return stream;
}

/** Polls on setImmediate (never faked here), so it works while setTimeout is under fake timers. */
async function until(check: () => boolean, what = ''): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('BodyLimit', () => {
  it('passes a body up to the limit through, and fails the one byte over it', async () => {
    const req = source();
    const limit = new BodyLimit(10, req);
    const out: Buffer[] = [];
    let failure: Error | undefined;
    limit.on('error', (e) => {
      failure = e;
    });
    limit.pipe(
      new Writable({
        write: (c, _e, cb) => {
          out.push(c);
          cb();
        },
      }),
    );
    req.write(Buffer.alloc(10, 97));
    await until(() => Buffer.concat(out).length === 10);
    expect(limit.exceeded).toBe(false);
    req.write(Buffer.alloc(1, 97));
    await until(() => failure !== undefined);
    expect(limit.exceeded).toBe(true);
    expect(failure).toMatchObject({ code: 'GW_BODY_TOO_LARGE' });
  });

  it.each([
    ['reads and drops the rest of the body after the limit failed it', true, false],
    ['cuts the connection when the body has not ended within the linger time', false, true],
  ])('%s', async (_name, endBody, cut) => {
    const req = source();
    const limit = new BodyLimit(4, req);
    limit.on('error', () => {});
    req.write(Buffer.alloc(8, 97));
    await until(() => limit.exceeded, 'exceeded');
    // The linger timer runs on a fake clock: the test decides when it has passed, not the machine's load.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    // The failed pipe left the source unread; more writes would pile up without discardRest.
    limit.discardRest(50);
    for (let i = 0; i < 100; i++) req.write(Buffer.alloc(1024, 97));
    await until(() => req.readableLength === 0 && req.writableLength === 0, 'drained');
    if (endBody) {
      req.end();
      await until(() => req.readableEnded, 'ended');
    }
    vi.advanceTimersByTime(49);
    expect(req.socket.destroyed).toBe(false);
    vi.advanceTimersByTime(1_000);
    expect(req.socket.destroyed).toBe(cut);
  });
});
