import { describe, expect, it } from 'vitest';
import { parseClusterNodes } from './cluster-nodes.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

describe('parseClusterNodes', () => {
  it('reads masters, replicas, failure flags and slot ranges', () => {
    const text = [
      `${A} 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460`,
      `${B} 127.0.0.1:7001@17001 master,fail - 1 1 2 disconnected 5461-10922 10923`,
      `${C} 127.0.0.1:7002@17002 slave,fail? ${A} 0 0 1 connected`,
      '',
    ].join('\n');
    expect(parseClusterNodes(text)).toEqual([
      {
        id: A,
        address: '127.0.0.1:7000',
        port: 7000,
        master: true,
        failed: false,
        masterId: undefined,
        slots: [[0, 5460]],
      },
      {
        id: B,
        address: '127.0.0.1:7001',
        port: 7001,
        master: true,
        failed: true,
        masterId: undefined,
        slots: [
          [5461, 10922],
          [10923, 10923],
        ],
      },
      { id: C, address: '127.0.0.1:7002', port: 7002, master: false, failed: false, masterId: A, slots: [] },
    ]);
  });

  it('reads a raw RESP bulk reply and ignores lines that are not nodes', () => {
    expect(
      parseClusterNodes(`$80\r\n${A} 127.0.0.1:7000@17000 myself,master - 0 0 1 connected\n\r\n`),
    ).toHaveLength(1);
  });
});
