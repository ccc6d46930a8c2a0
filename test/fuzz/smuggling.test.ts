import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FAULT_GATEWAY_SECRET,
  type GatewayProcess,
  startGatewayProcess,
} from '../faults/support/gateway-process.ts';
import { type RecordingHost, startRecordingHost } from '../faults/support/recording-host.ts';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { rawExchange } from './support/http-reply.ts';

const AUTH = `Authorization: Bearer ${FAULT_GATEWAY_SECRET}\r\n`;
// The request hidden in the body: if any framing disagreement let it through, the host would see it.
const SMUGGLED = 'GET /v1/runtimes/smuggled/executions HTTP/1.1\r\nHost: x\r\n\r\n';
const head = (headers: string) =>
  `POST /v1/runtimes/front/executions HTTP/1.1\r\nHost: 127.0.0.1\r\n${AUTH}Content-Type: application/json\r\n${headers}\r\n`;

const cases: Array<{ name: string; request: string }> = [
  {
    name: 'Content-Length and Transfer-Encoding: chunked (CL.TE)',
    request: `${head(`Content-Length: 6\r\nTransfer-Encoding: chunked\r\n`)}0\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'Transfer-Encoding: chunked then Content-Length (TE.CL)',
    request: `${head(`Transfer-Encoding: chunked\r\nContent-Length: 4\r\n`)}5c\r\n${SMUGGLED}\r\n0\r\n\r\n`,
  },
  {
    name: 'two different Content-Length headers',
    request: `${head(`Content-Length: 0\r\nContent-Length: ${SMUGGLED.length}\r\n`)}${SMUGGLED}`,
  },
  {
    name: 'a Content-Length list',
    request: `${head(`Content-Length: 0, ${SMUGGLED.length}\r\n`)}${SMUGGLED}`,
  },
  {
    name: 'an obfuscated Transfer-Encoding (xchunked) with a Content-Length',
    request: `${head(`Content-Length: 4\r\nTransfer-Encoding: xchunked\r\n`)}0\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'Transfer-Encoding: chunked, identity',
    request: `${head('Transfer-Encoding: chunked, identity\r\n')}0\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'whitespace before the colon (Transfer-Encoding : chunked)',
    request: `${head(`Content-Length: 4\r\nTransfer-Encoding : chunked\r\n`)}0\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'a header folded onto the next line (obs-fold)',
    request: `${head(`Content-Length: 0\r\nTransfer-Encoding: identity\r\n chunked\r\n`)}0\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'a chunk size with a non-hex character',
    request: `${head('Transfer-Encoding: chunked\r\n')}0x5c\r\n${SMUGGLED}\r\n0\r\n\r\n`,
  },
  {
    name: 'a bare LF ending a header line',
    request: `POST /v1/runtimes/front/executions HTTP/1.1\r\nHost: 127.0.0.1\r\n${AUTH}Content-Length: 0\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'a negative Content-Length',
    request: `${head('Content-Length: -1\r\n')}${SMUGGLED}`,
  },
];

describe('request smuggling attempts are rejected with 400 and reach no executor', () => {
  let fleet: ExecutorFleet;
  let host: RecordingHost;
  let gw: GatewayProcess;

  beforeAll(async () => {
    fleet = await startExecutors(1, { mode: 'simulated', idPrefix: 'smuggle' });
    host = await startRecordingHost(fleet.hosts[0]!.port);
    host.keepTranscript = true;
    gw = await startGatewayProcess({ executors: [host.address] });
  });

  afterAll(async () => {
    await gw?.stop();
    await host?.close();
    await fleet?.stop();
  });

  it.each(cases)('$name', async ({ request }) => {
    const ex = await rawExchange(gw.port, [Buffer.from(request, 'latin1')], { quietMs: 3_000 });
    const statuses = ex.responses.map((r) => r.status);
    expect(ex.kind, ex.raw.toString('latin1')).toBe('response');
    expect(statuses[0], ex.raw.toString('latin1')).toBe(400);
    // No second response: nothing after the rejected request was parsed as a request.
    expect(statuses, ex.raw.toString('latin1')).toEqual([400]);
    expect(host.transcript).not.toContain('smuggled');
  });
});

describe('the smuggling check can see a request that gets through', () => {
  it('a well-formed request is forwarded and shows up in the host transcript', async () => {
    const fleet = await startExecutors(1, { mode: 'simulated', idPrefix: 'smuggle-ctl' });
    const host = await startRecordingHost(fleet.hosts[0]!.port);
    host.keepTranscript = true;
    const gw = await startGatewayProcess({ executors: [host.address] }).catch(async (e: unknown) => {
      await host.close();
      await fleet.stop();
      throw e;
    });
    try {
      const body = JSON.stringify({
        image: 'openruntimes/node:v5-22',
        source: '',
        entrypoint: 'index.mjs',
        body: 'control-marker',
      });
      const ex = await rawExchange(gw.port, [
        Buffer.from(`${head(`Content-Length: ${body.length}\r\nConnection: close\r\n`)}${body}`),
      ]);
      expect(ex.responses.map((r) => r.status)).toEqual([200]);
      expect(host.transcript).toContain('control-marker');
    } finally {
      await gw.stop();
      await host.close();
      await fleet.stop();
    }
  });
});
