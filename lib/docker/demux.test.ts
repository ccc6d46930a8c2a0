import { describe, expect, it } from 'vitest';
import { demuxLogs, LogDemuxer } from './demux.ts';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('demuxLogs', () => {
  it('splits stdout and stderr frames', () => {
    const body = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, 'out 2\n')]);
    expect(demuxLogs(body)).toEqual({ stdout: 'out 1\nout 2\n', stderr: 'err 1\n' });
  });

  it('keeps a frame split across chunks until it is whole, at every split point', () => {
    const body = Buffer.concat([frame(1, 'hello '), frame(2, 'oops'), frame(1, 'world')]);
    for (let cut = 0; cut <= body.length; cut++) {
      const got = { stdout: '', stderr: '' };
      const demux = new LogDemuxer((stream, data) => {
        got[stream] += data.toString();
      });
      demux.push(body.subarray(0, cut));
      demux.push(body.subarray(cut));
      expect(got, `cut at ${cut}`).toEqual({ stdout: 'hello world', stderr: 'oops' });
    }
  });
});
