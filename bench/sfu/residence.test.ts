import { describe, expect, it } from 'vitest';
import { StreamNumbering, readRtpFromPcap, residence, type RtpRecord } from './residence.ts';

/** One Ethernet/IPv4/UDP frame carrying `payload`. */
function frame(payload: Buffer, proto = 17): Buffer {
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip[9] = proto;
  const udp = Buffer.alloc(8);
  return Buffer.concat([eth, ip, udp, payload]);
}

function rtp(ssrc: number, seq: number, pt = 96): Buffer {
  const b = Buffer.alloc(20);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(ssrc, 8);
  return b;
}

/** A nanosecond pcap (little-endian) of frames at the given times. */
function pcap(records: Array<[number, Buffer]>, linkType = 1): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b23c4d, 0);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(linkType, 20);
  const parts: Buffer[] = [head];
  for (const [ns, data] of records) {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(Math.floor(ns / 1e9) + 1_700_000_000, 0);
    r.writeUInt32LE(ns % 1e9, 4);
    r.writeUInt32LE(data.length, 8);
    r.writeUInt32LE(data.length, 12);
    parts.push(r, data);
  }
  return Buffer.concat(parts);
}

describe('readRtpFromPcap', () => {
  it('reads RTP headers with nanosecond times and skips RTCP, STUN and non-UDP frames', () => {
    const rtcp = rtp(5, 0, 200);
    const stun = Buffer.alloc(20); // first two bits 00
    const file = pcap([
      [1_000, frame(rtp(0xaabbccdd, 7))],
      [2_000, frame(rtcp)],
      [3_000, frame(stun)],
      [4_000, frame(rtp(1, 2), 6)],
      [1_000_005_500, frame(rtp(0xaabbccdd, 8, 0xe0))], // marker bit set, PT 96
    ]);
    expect(readRtpFromPcap(file)).toEqual([
      { tNs: 1_000, ssrc: 0xaabbccdd, seq: 7 },
      { tNs: 1_000_005_500, ssrc: 0xaabbccdd, seq: 8 },
    ]);
  });

  it('stops at a truncated record and refuses other files', () => {
    const file = pcap([[0, frame(rtp(1, 1))], [10, frame(rtp(1, 2))]]);
    expect(readRtpFromPcap(file.subarray(0, file.length - 3))).toHaveLength(1);
    expect(() => readRtpFromPcap(Buffer.alloc(10))).toThrow(/too short/);
    expect(() => readRtpFromPcap(Buffer.alloc(40))).toThrow(/not a pcap/);
    expect(() => readRtpFromPcap(pcap([], 113))).toThrow(/link type 113/);
  });
});

describe('residence', () => {
  const sent = [{ publisher: 0, track: 1, ssrc: 100, firstSeq: 65534 }];
  const received = [{ ssrc: 200, publisher: 0, track: 1, seqOffset: 1000, offsetChanges: 0 }];

  it('pairs each copy with its original across the sequence wrap', () => {
    const records: RtpRecord[] = [];
    for (let b = 0; b < 4; b++) {
      records.push({ tNs: b * 1e6, ssrc: 100, seq: (65534 + b) & 0xffff });
      records.push({ tNs: b * 1e6 + 300_000 + b * 100_000, ssrc: 200, seq: (1000 + b) & 0xffff });
    }
    const r = residence(records, sent, received);
    expect(r.matched).toBe(4);
    expect(r.unmatched).toBe(0);
    expect(r.histogram.percentileMs(50)).toBeCloseTo(0.41, 2); // 400 µs lands in the bucket ending at 410 µs
    expect(r.histogram.maxNs).toBe(600_000);
    expect(r.firstCopy.total).toBe(4);
  });

  it('tells the first copy of an original from the fan-out after it', () => {
    const records: RtpRecord[] = [{ tNs: 0, ssrc: 100, seq: 65534 }];
    const two = [...received, { ssrc: 201, publisher: 0, track: 1, seqOffset: 5, offsetChanges: 0 }];
    records.push({ tNs: 100_000, ssrc: 200, seq: 1000 }, { tNs: 900_000, ssrc: 201, seq: 5 });
    const r = residence(records, sent, two);
    expect(r.matched).toBe(2);
    expect(r.firstCopy.total).toBe(1);
    expect(r.firstCopy.maxNs).toBe(100_000);
    expect(r.histogram.maxNs).toBe(900_000);
  });

  it('leaves out copies of originals captured while the capture settled', () => {
    const records: RtpRecord[] = [
      { tNs: 0, ssrc: 100, seq: 65534 },
      { tNs: 9_000_000, ssrc: 200, seq: 1000 }, // its original came in the first 10 ms
      { tNs: 10_000_000, ssrc: 100, seq: 65535 },
      { tNs: 10_200_000, ssrc: 200, seq: 1001 },
    ];
    const r = residence(records, sent, received, 10_000_000);
    expect(r.matched).toBe(1);
    expect(r.histogram.maxNs).toBe(200_000);
  });

  it('counts copies without a captured original and packets of other streams', () => {
    const records: RtpRecord[] = [
      { tNs: 0, ssrc: 200, seq: 1000 }, // its original was sent before the capture began
      { tNs: 1, ssrc: 999, seq: 1 },
      { tNs: 2, ssrc: 100, seq: 65535 },
      { tNs: 3, ssrc: 200, seq: 1001 },
    ];
    const r = residence(records, sent, received);
    expect(r).toMatchObject({ matched: 1, unmatched: 1, unknown: 1 });
  });
});

describe('StreamNumbering', () => {
  it('records the offset per SSRC and counts renumberings', () => {
    const n = new StreamNumbering();
    n.observe(7, 10, 1, 0, 5);
    n.observe(7, 11, 1, 0, 6);
    n.observe(8, 2, 1, 1, 5); // 2 − 5 wraps
    n.observe(7, 20, 1, 0, 7);
    expect(n.tracks()).toEqual([
      { ssrc: 7, publisher: 1, track: 0, seqOffset: 13, offsetChanges: 1 },
      { ssrc: 8, publisher: 1, track: 1, seqOffset: 65533, offsetChanges: 0 },
    ]);
  });
});
