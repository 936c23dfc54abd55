import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseUdpDrops, socketInodes } from './udp-drops.ts';

const SAMPLE = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 0100007F:9C40 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 17
  101: 0100007F:9C41 00000000:0000 07 00000000:00034000 00:00000000 00000000     0        0 4343 2 0000000000000000 0
`;

describe('parseUdpDrops', () => {
  it('maps socket inodes to their drop counters and skips the header and short lines', () => {
    expect(parseUdpDrops(`${SAMPLE}garbage\n`)).toEqual(new Map([[4242, 17], [4343, 0]]));
  });

  it('finds this process’s own UDP socket in /proc (no traffic sent)', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    try {
      const mine = socketInodes(process.pid);
      const table = parseUdpDrops(readFileSync('/proc/net/udp', 'utf8'));
      expect([...mine].some((inode) => table.has(inode))).toBe(true);
    } finally {
      socket.close();
    }
  });
});
