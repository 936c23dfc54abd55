/**
 * The floor under the SFU's CPU per forwarded packet: what Node's own `dgram` costs per 1,216-byte datagram sent
 * to loopback, with no SRTP, no rewriting, nothing of ours. Loopback delivery runs in the sender's system call, so
 * the figure includes the kernel's work to queue the datagram at the receiver, as the SFU bench's does.
 *
 *   node scripts/netns.mjs -- node --import tsx bench/media/dgram-floor.ts [--packets=200000]
 *
 * Three ways to send, each as its own process-CPU median over chunks (user + system, garbage collection included):
 *   default    socket.send(buf, port, address): the default lookup defers every send by a process.nextTick;
 *   literal    the same with a synchronous lookup for IP literals (what MediaEndpoint does);
 *   connected  a connected socket, no address per send (one socket per client: not usable on one shared port).
 * The receiver is another process that only counts, so its CPU is not in the figure. Loopback only: inside a netns.
 */
import { fork } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { fmt, printTable } from '../signaling/common.ts';

const SIZE = 1216;
const CHUNK = 2000;

if (process.argv.includes('--receiver')) {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
  let received = 0;
  socket.on('message', () => received++);
  socket.bind(0, '127.0.0.1', () => process.send?.({ port: socket.address().port }));
  process.on('message', () => process.send?.({ received }));
  process.on('disconnect', () => process.exit(0));
} else {
  await main();
}

async function main(): Promise<void> {
  if (process.env.PARLEY_NETNS !== '1') throw new Error('run inside scripts/netns.mjs: this bench sends packets');
  const packets = Number(process.argv.find((a) => a.startsWith('--packets='))?.split('=')[1] ?? 200_000);
  const receiver = fork(new URL(import.meta.url).pathname, ['--receiver'], { execArgv: process.execArgv });
  const port = await new Promise<number>((resolve) => receiver.once('message', (m: { port: number }) => resolve(m.port)));
  const literal = (address: string, _family: unknown, cb: (e: Error | null, a: string, f: number) => void): void => cb(null, address, 4);
  const sockets: Record<string, Socket> = {
    default: createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 }),
    literal: createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024, lookup: literal }),
    connected: createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 }),
  };
  for (const s of Object.values(sockets)) await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => sockets.connected?.connect(port, '127.0.0.1', resolve));
  const rows: string[][] = [];
  for (const [name, socket] of Object.entries(sockets)) {
    const perPacket: number[] = [];
    const send = name === 'connected' ? (b: Buffer) => socket.send(b) : (b: Buffer) => socket.send(b, port, '127.0.0.1');
    for (let sent = 0; sent < packets; sent += CHUNK) {
      const before = process.cpuUsage();
      // A fresh buffer per packet, as the SFU's forwarding path has (one allocation per forwarded packet).
      for (let i = 0; i < CHUNK; i++) send(Buffer.allocUnsafe(SIZE));
      // Let queued sends (and the default lookup's ticks) run inside the measured chunk.
      await new Promise((r) => setImmediate(r));
      const used = process.cpuUsage(before);
      perPacket.push((used.user + used.system) / CHUNK);
      // Paced: the receiver (another process) keeps up, so nothing is lost to a full buffer.
      await new Promise((r) => setTimeout(r, 5));
    }
    perPacket.sort((a, b) => a - b);
    rows.push([name, fmt(perPacket[Math.floor(perPacket.length / 2)] ?? 0, 2), fmt(perPacket[Math.floor(perPacket.length * 0.9)] ?? 0, 2)]);
  }
  receiver.send('count');
  const { received } = await new Promise<{ received: number }>((resolve) => receiver.once('message', resolve));
  printTable(['send', 'µs CPU per datagram (median)', 'p90'], rows);
  console.log(`${received} of ${packets * 3} datagrams received (${SIZE} bytes each)`);
  for (const s of Object.values(sockets)) s.close();
  receiver.disconnect();
}
