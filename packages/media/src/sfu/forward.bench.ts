/**
 * Micro-benchmark of the per-packet path: Producer.receive → 5 × Consumer forward → send callback.
 * Run: node --import tsx packages/media/src/sfu/forward.bench.ts
 */
import { serializeRtp } from '../rtp.ts';
import { Consumer } from './consumer.ts';
import { Producer } from './producer.ts';
import { SlotConsumer } from './slot-consumer.ts';

const CONSUMERS = 5;
const RING = 1024; // distinct buffers, so the NACK cache holds references as it would in production
const WARMUP = 100_000;
const MEASURED = 1_000_000;

function vp8(keyframe: boolean, size: number): Buffer {
  // RFC 7741 descriptor with a 15-bit PictureID and TL0PICIDX, then the frame tag (P bit = !keyframe) and data.
  const head = [0x90, 0xc0, 0x80, 0x00, 0x00, keyframe ? 0x10 : 0x11, 0x02, 0x00];
  if (keyframe) head.push(0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01);
  return Buffer.concat([Buffer.from(head), Buffer.alloc(size - head.length, 0x5a)]);
}

function run(consumers: number, slots = false): { ns: number; wall: number } {
  const producer = slots
    ? new Producer({ id: 'p', kind: 'audio', codec: 'opus', clockRate: 48_000, payloadType: 96, audioLevelExtensionId: 1, requestKeyframe: () => {} })
    : new Producer({ id: 'p', kind: 'video', codec: 'VP8', clockRate: 90_000, payloadType: 96, requestKeyframe: () => {} });
  let sink = 0;
  const send = (packet: Buffer, offset: number): void => void (sink += packet.length + offset);
  for (let i = 0; i < consumers; i++) {
    if (slots) new SlotConsumer({ id: `s${i}`, ssrc: 1000 + i, payloadType: 100, transportCcExtensionId: 3, send }).setSource(producer);
    else new Consumer({ id: `c${i}`, producer, ssrc: 1000 + i, payloadType: 100, transportCcExtensionId: 3, send });
  }
  const ring = Array.from({ length: RING }, (_, i) =>
    serializeRtp({ marker: i % 4 === 3, payloadType: 96, sequenceNumber: i, timestamp: 0, ssrc: 0x1234, csrcs: [], extensions: new Map([[1, Buffer.from([0x30])], [3, Buffer.from([0, 0])]]), paddingLength: 0, payload: vp8(i === 0, 1100) }),
  );
  const pictureIdAt = 12 + 4 + 8 + 2; // header, extension header, one-byte elements (padded), descriptor bytes 0–1
  const step = (n: number): void => {
    const packet = ring[n % RING] as Buffer;
    packet.writeUInt16BE(n & 0xffff, 2);
    packet.writeUInt32BE(((n >> 2) * 3000) >>> 0, 4);
    // The picture id follows the frame (4 packets each).
    packet.writeUInt16BE(0x8000 | ((n >> 2) & 0x7fff), pictureIdAt);
    producer.receive(packet, 0);
  };
  for (let n = 0; n < WARMUP; n++) step(n);
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (let n = WARMUP; n < WARMUP + MEASURED; n++) step(n);
  const cpu = process.cpuUsage(cpuStart);
  const wall = Number(process.hrtime.bigint() - start) / MEASURED;
  // CPU time (user + system) is what the path costs; wall time also counts waiting for a busy machine's CPU.
  const ns = ((cpu.user + cpu.system) * 1000) / MEASURED;
  if (producer.stats.packets !== WARMUP + MEASURED) throw new Error(`lost packets: ${producer.stats.packets}`);
  if (sink === 0 && consumers > 0) throw new Error('nothing forwarded');
  return { ns, wall };
}

const base = run(0);
const full = run(CONSUMERS);
// Audio-only rooms: the same packets (as Opus: no key frames to look for) through slot consumers.
const audioBase = run(0, true);
const slotted = run(CONSUMERS, true);
process.stdout.write(
  `producer only: ${base.ns.toFixed(0)} ns/packet CPU (${base.wall.toFixed(0)} ns wall)\n` +
    `1 producer → ${CONSUMERS} consumers: ${full.ns.toFixed(0)} ns/packet CPU (${full.wall.toFixed(0)} ns wall), ` +
    `${((full.ns - base.ns) / CONSUMERS).toFixed(0)} ns per consumer\n` +
    `1 audio producer → ${CONSUMERS} slot consumers: ${slotted.ns.toFixed(0)} ns/packet CPU (${slotted.wall.toFixed(0)} ns wall), ` +
    `${((slotted.ns - audioBase.ns) / CONSUMERS).toFixed(0)} ns per slot consumer\n`,
);
