import { describe, expect, it } from 'vitest';
import { parseRtcp, serializeRtcp } from '../rtcp.ts';
import type { RtcpReceiverReport, RtcpSenderReport } from '../rtcp-reports.ts';
import { ReceiveStreamStats, ntpFromUnixMs, ntpMiddle32, senderReport } from './reports.ts';

describe('ReceiveStreamStats (RFC 3550 A.1, A.3, A.8)', () => {
  it('computes interarrival jitter in timestamp units (A.8)', () => {
    // 8 kHz clock, 20 ms packets (160 ticks); arrivals at 0, 20, 45, 60 ms.
    const stats = new ReceiveStreamStats(1, 8000);
    [0, 20, 45, 60].forEach((at, i) => stats.onPacket(i, 1000 + 160 * i, at));
    // D = 0, then 25 ms × 8 − 160 = 40, then 15 × 8 − 160 = −40: J = 0 → 40/16 = 2.5 → 2.5 + (40 − 2.5)/16.
    expect(stats.jitter).toBeCloseTo(2.5 + 37.5 / 16, 12);
    expect(stats.reportBlock(100).jitter).toBe(4);
  });

  it('measures jitter across the 32-bit timestamp wrap', () => {
    const stats = new ReceiveStreamStats(1, 90_000);
    stats.onPacket(0, 0xffff_ff00, 0);
    stats.onPacket(1, 0xffff_ff00 + 3000 - 0x1_0000_0000, 33.333333333333336); // 3000 ticks later, on time
    expect(stats.jitter).toBeCloseTo(0, 6);
  });

  it('counts loss and fraction lost per interval (A.3), duplicates making it negative', () => {
    const stats = new ReceiveStreamStats(0xabc, 90_000);
    for (let seq = 100; seq < 110; seq++) if (seq !== 103 && seq !== 105) stats.onPacket(seq, seq * 3000, seq);
    const first = stats.reportBlock(1000);
    expect(first).toMatchObject({ ssrc: 0xabc, fractionLost: Math.floor((2 * 256) / 10), cumulativeLost: 2, highestSequence: 109 });
    for (let seq = 110; seq < 120; seq++) stats.onPacket(seq, seq * 3000, seq);
    stats.onPacket(115, 115 * 3000, 200); // duplicate
    stats.onPacket(103, 103 * 3000, 201); // late arrival of a lost one
    const second = stats.reportBlock(2000);
    expect(second).toMatchObject({ fractionLost: 0, cumulativeLost: 0, highestSequence: 119 });
    expect(stats.packetsReceived).toBe(20);
  });

  it('extends the highest sequence number across the wrap and restarts after a confirmed jump (A.1)', () => {
    const stats = new ReceiveStreamStats(1, 48_000);
    for (const seq of [65534, 65535, 0, 1]) stats.onPacket(seq, 0, 0);
    expect(stats.extendedHighestSequence).toBe(0x1_0001);
    expect(stats.cumulativeLost).toBe(0);
    stats.onPacket(20_000, 0, 0); // a jump: ignored until confirmed
    expect(stats.extendedHighestSequence).toBe(0x1_0001);
    stats.onPacket(20_001, 0, 0); // the next one follows it: the source restarted
    expect(stats.extendedHighestSequence).toBe(20_001);
    expect(stats.packetsReceived).toBe(1);
  });

  it('fills LSR and DLSR from the last sender report, and round-trips through an RR', () => {
    const stats = new ReceiveStreamStats(7, 90_000);
    stats.onPacket(1, 0, 0);
    expect(stats.reportBlock(500)).toMatchObject({ lastSr: 0, delaySinceLastSr: 0 });
    stats.onSenderReport({ ntpSeconds: 0x1234_5678, ntpFraction: 0x9abc_def0 }, 1000);
    const block = stats.reportBlock(1500);
    expect(block.lastSr).toBe(0x5678_9abc);
    expect(block.delaySinceLastSr).toBe(32_768); // 0.5 s in 1/65536 s
    const rr: RtcpReceiverReport = { type: 'rr', ssrc: 99, reports: [block] };
    expect(parseRtcp(serializeRtcp([rr])).packets[0]).toEqual(rr);
  });

  it('rejects a clock rate that is not positive', () => {
    expect(() => new ReceiveStreamStats(1, 0)).toThrow(RangeError);
  });
});

describe('senderReport (RFC 3550 §6.4.1)', () => {
  it('extrapolates the RTP timestamp to now, across the wrap, and stamps the NTP time', () => {
    const sr = senderReport({
      ssrc: 0xdead_beef, clockRate: 90_000, rtpTimestamp: 0xffff_ff00, sentAtMs: 1000, nowMs: 1100,
      packets: 2 ** 32 + 5, octets: 123_456, wallClockMs: 1_700_000_000_500,
    });
    expect(sr).toEqual({
      type: 'sr', ssrc: 0xdead_beef, ntpSeconds: 1_700_000_000 + 2_208_988_800, ntpFraction: 2 ** 31,
      rtpTimestamp: 9000 - 256, packetCount: 5, octetCount: 123_456, reports: [],
    });
    expect(parseRtcp(serializeRtcp([sr])).packets[0] as RtcpSenderReport).toEqual(sr);
  });

  it('converts Unix time to NTP and takes its middle 32 bits', () => {
    expect(ntpFromUnixMs(0)).toEqual({ ntpSeconds: 2_208_988_800, ntpFraction: 0 });
    expect(ntpFromUnixMs(250).ntpFraction).toBe(2 ** 30);
    expect(ntpMiddle32(0xaaaa_bbbb, 0xcccc_dddd)).toBe(0xbbbb_cccc);
  });

  it('rejects a clock rate that is not positive', () => {
    expect(() => senderReport({ ssrc: 1, clockRate: -1, rtpTimestamp: 0, sentAtMs: 0, nowMs: 0, packets: 0, octets: 0 })).toThrow(RangeError);
  });
});
