import { describe, expect, it } from 'vitest';
import { compressNack } from './rtcp-feedback.ts';
import { sdesCname } from './rtcp-reports.ts';
import { type RtcpPacket, parseRtcp, serializeRtcp, serializeRtcpPacket } from './rtcp.ts';
import type { RtcpTwcc } from './twcc.ts';
import { decodeErrorCode } from './decode-error.test-helper.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const bytes = (list: (number | string)[]): Buffer => Buffer.from(list.map((b) => (typeof b === 'string' ? b.charCodeAt(0) : b)));

const code = decodeErrorCode;

const one = (wire: Buffer): RtcpPacket => {
  const { packets } = parseRtcp(wire);
  expect(packets).toHaveLength(1);
  return packets[0] as RtcpPacket;
};

const report = { ssrc: 0x23456789, fractionLost: 55, cumulativeLost: -3, highestSequence: 0x0001_0005, jitter: 33, lastSr: 0x12345678, delaySinceLastSr: 65536 };

describe('SR, RR, SDES, BYE (RFC 3550 §6.4–6.6)', () => {
  it('round-trips a compound SR + SDES(CNAME) + BYE and reads the fields back', () => {
    const packets: RtcpPacket[] = [
      { type: 'sr', ssrc: 0x12345678, ntpSeconds: 0xe8000000, ntpFraction: 0x80000000, rtpTimestamp: 90000, packetCount: 10, octetCount: 12000, reports: [report] },
      { type: 'sdes', chunks: [{ ssrc: 0x12345678, items: [{ type: 1, text: 'user@parley' }] }, { ssrc: 7, items: [] }] },
      { type: 'bye', ssrcs: [0x12345678, 9], reason: 'left' },
    ];
    const wire = serializeRtcp(packets);
    expect(wire.length % 4).toBe(0);
    const back = parseRtcp(wire);
    expect(back).toEqual({ packets, skipped: 0 });
    expect(sdesCname(back.packets[1] as Extract<RtcpPacket, { type: 'sdes' }>, 0x12345678)).toBe('user@parley');
  });

  it('lays out a receiver report byte for byte', () => {
    const wire = serializeRtcpPacket({ type: 'rr', ssrc: 1, reports: [report] });
    expect(wire.toString('hex')).toBe('81c90007' + '00000001' + '23456789' + '37fffffd' + '00010005' + '00000021' + '12345678' + '00010000');
    expect(one(wire)).toEqual({ type: 'rr', ssrc: 1, reports: [report] });
  });

  it('clamps cumulative loss to signed 24 bits', () => {
    const wire = serializeRtcpPacket({ type: 'rr', ssrc: 1, reports: [{ ...report, cumulativeLost: 1e9 }] });
    expect((one(wire) as Extract<RtcpPacket, { type: 'rr' }>).reports[0]?.cumulativeLost).toBe(0x7fffff);
  });

  it('parses SDES items that end exactly on a word boundary (a whole null word follows)', () => {
    // ssrc, CNAME "ab" (4 bytes: 01 02 61 62), then a full null word.
    const wire = hex('81ca0003 00000005 01026162 00000000');
    expect(one(wire)).toEqual({ type: 'sdes', chunks: [{ ssrc: 5, items: [{ type: 1, text: 'ab' }] }] });
  });

  it('rejects short report blocks, unterminated SDES and overlong BYE reasons', () => {
    expect(code(() => parseRtcp(hex('81c90001 00000001')))).toBe('BAD_LENGTH');
    expect(code(() => parseRtcp(hex('81c80001 00000001')))).toBe('BAD_LENGTH');
    expect(code(() => parseRtcp(hex('81ca0002 00000005 01026162')))).toBe('BAD_LENGTH');
    expect(code(() => parseRtcp(hex('81ca0002 00000005 01096162')))).toBe('BAD_LENGTH');
    expect(code(() => parseRtcp(hex('82cb0001 00000005')))).toBe('BAD_LENGTH');
    expect(code(() => parseRtcp(hex('81cb0002 00000005 09616263')))).toBe('BAD_LENGTH');
  });
});

describe('compound framing (RFC 3550 §6.1, §6.4.1)', () => {
  it('skips unknown packet types and feedback formats but counts them', () => {
    const app = hex('80cc0002 00000001 6e616d65'); // APP
    const xr = hex('80cf0001 00000001'); // XR
    const unknownRtpfb = hex('83cd0002 00000001 00000002'); // RTPFB FMT 3 (TMMBR)
    const afbNotRemb = hex('8fce0003 00000001 00000000 41424344');
    const pli = serializeRtcpPacket({ type: 'pli', senderSsrc: 1, mediaSsrc: 2 });
    expect(parseRtcp(Buffer.concat([app, xr, unknownRtpfb, afbNotRemb, pli]))).toEqual({ packets: [{ type: 'pli', senderSsrc: 1, mediaSsrc: 2 }], skipped: 4 });
  });

  it('strips padding counted by the last octet', () => {
    const wire = hex('a0c90002 00000001 00000004'); // RR, RC=0, 4 padding octets
    expect(one(wire)).toEqual({ type: 'rr', ssrc: 1, reports: [] });
  });

  it('rejects bad version, truncation, stray bytes and bad padding', () => {
    expect(code(() => parseRtcp(Buffer.alloc(0)))).toBe('TRUNCATED');
    expect(code(() => parseRtcp(hex('40c90001 00000001')))).toBe('BAD_VERSION');
    expect(code(() => parseRtcp(hex('80c90002 00000001')))).toBe('TRUNCATED');
    expect(code(() => parseRtcp(hex('80c90001 00000001 8000')))).toBe('TRUNCATED');
    expect(code(() => parseRtcp(hex('a0c90001 00000000')))).toBe('BAD_PADDING');
    expect(code(() => parseRtcp(hex('a0c90001 00000009')))).toBe('BAD_PADDING');
    expect(code(() => parseRtcp(hex('81cd0001 00000001')))).toBe('BAD_LENGTH'); // feedback without media SSRC
  });
});

describe('generic NACK (RFC 4585 §6.2.1)', () => {
  // libwebrtc modules/rtp_rtcp/source/rtcp_packet/nack_unittest.cc: kList/kPacket and kWrapList/kWrapPacket.
  const kPacket = bytes([0x81, 205, 0x00, 0x03, 0x12, 0x34, 0x56, 0x78, 0x23, 0x45, 0x67, 0x89, 0x00, 0x00, 0x80, 0x85]);
  const kWrapPacket = bytes([
    0x81, 205, 0x00, 0x06, 0x12, 0x34, 0x56, 0x78, 0x23, 0x45, 0x67, 0x89, 0xff, 0xdc, 0x80, 0x00,
    0xff, 0xfe, 0x00, 0x17, 0x00, 0x14, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00,
  ]);
  const kWrapList = [0xffdc, 0xffec, 0xfffe, 0xffff, 0x0000, 0x0001, 0x0003, 0x0014, 0x0064];

  it('matches libwebrtc byte for byte, both ways', () => {
    expect(one(kPacket)).toEqual({ type: 'nack', senderSsrc: 0x12345678, mediaSsrc: 0x23456789, lost: [0, 1, 3, 8, 16] });
    expect(serializeRtcpPacket({ type: 'nack', senderSsrc: 0x12345678, mediaSsrc: 0x23456789, lost: [0, 1, 3, 8, 16] }).equals(kPacket)).toBe(true);
    expect(one(kWrapPacket)).toEqual({ type: 'nack', senderSsrc: 0x12345678, mediaSsrc: 0x23456789, lost: kWrapList });
    expect(serializeRtcpPacket({ type: 'nack', senderSsrc: 0x12345678, mediaSsrc: 0x23456789, lost: kWrapList }).equals(kWrapPacket)).toBe(true);
  });

  it('compresses unordered, duplicated lists across the wrap', () => {
    expect(compressNack([2, 65535, 0, 2, 1])).toEqual([{ pid: 65535, blp: 0b111 }]);
    expect(compressNack([])).toEqual([]);
    expect(compressNack([10, 27])).toEqual([{ pid: 10, blp: 0 }, { pid: 27, blp: 0 }]);
    expect(compressNack([10, 26])).toEqual([{ pid: 10, blp: 0x8000 }]);
  });

  it('rejects an empty or ragged FCI and refuses to build an empty NACK', () => {
    expect(code(() => parseRtcp(hex('81cd0002 00000001 00000002')))).toBe('BAD_FEEDBACK');
    expect(code(() => parseRtcp(hex('81cd0003 00000001 00000002 0001')))).toBe('TRUNCATED');
    expect(() => serializeRtcpPacket({ type: 'nack', senderSsrc: 1, mediaSsrc: 2, lost: [] })).toThrow(RangeError);
  });
});

describe('PLI (RFC 4585 §6.3.1) and FIR (RFC 5104 §4.3.1)', () => {
  it('builds a PLI of length 2 and parses it back', () => {
    const wire = serializeRtcpPacket({ type: 'pli', senderSsrc: 0x12345678, mediaSsrc: 0x23456789 });
    expect(wire.toString('hex')).toBe('81ce0002' + '12345678' + '23456789');
    expect(one(wire)).toEqual({ type: 'pli', senderSsrc: 0x12345678, mediaSsrc: 0x23456789 });
  });

  it('builds a FIR with media SSRC 0 and one entry per sender', () => {
    const fir: RtcpPacket = { type: 'fir', senderSsrc: 0x12345678, entries: [{ ssrc: 0x23456789, sequenceNumber: 13 }, { ssrc: 5, sequenceNumber: 255 }] };
    const wire = serializeRtcpPacket(fir);
    expect(wire.toString('hex')).toBe('84ce0006' + '12345678' + '00000000' + '23456789' + '0d000000' + '00000005' + 'ff000000');
    expect(one(wire)).toEqual(fir);
    expect(code(() => parseRtcp(hex('84ce0003 00000001 00000000 00000005')))).toBe('BAD_FEEDBACK');
    expect(() => serializeRtcpPacket({ type: 'fir', senderSsrc: 1, entries: [] })).toThrow(RangeError);
  });
});

describe('REMB (draft-alvestrand-rmcat-remb-03)', () => {
  // libwebrtc modules/rtp_rtcp/source/rtcp_packet/remb_unittest.cc: kPacket for 0x3fb93 * 2 bps and three SSRCs.
  const kPacket = bytes([
    0x8f, 206, 0x00, 0x07, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00, 'R', 'E', 'M', 'B',
    0x03, 0x07, 0xfb, 0x93, 0x23, 0x45, 0x67, 0x89, 0x23, 0x45, 0x67, 0x8a, 0x23, 0x45, 0x67, 0x8b,
  ]);
  const remb: RtcpPacket = { type: 'remb', senderSsrc: 0x12345678, bitrateBps: 0x3fb93 * 2, ssrcs: [0x23456789, 0x2345678a, 0x2345678b] };

  it('matches libwebrtc byte for byte, both ways', () => {
    expect(one(kPacket)).toEqual(remb);
    expect(serializeRtcpPacket(remb).equals(kPacket)).toBe(true);
  });

  it('represents bitrates above 2^32 and rounds down, never up', () => {
    const big = one(serializeRtcpPacket({ type: 'remb', senderSsrc: 1, bitrateBps: 0x3fb93 * 2 ** 30, ssrcs: [] }));
    expect(big).toMatchObject({ bitrateBps: 0x3fb93 * 2 ** 30 });
    const odd = one(serializeRtcpPacket({ type: 'remb', senderSsrc: 1, bitrateBps: 2 ** 18 + 1, ssrcs: [] }));
    expect(odd).toMatchObject({ bitrateBps: 2 ** 18 });
    expect(() => serializeRtcpPacket({ type: 'remb', senderSsrc: 1, bitrateBps: -1, ssrcs: [] })).toThrow(RangeError);
  });

  it('rejects SSRC counts past the end', () => {
    expect(code(() => parseRtcp(hex('8fce0004 00000001 00000000 52454d42 02000001')))).toBe('BAD_FEEDBACK');
  });
});

describe('transport-wide CC feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1)', () => {
  // pion/rtcp transport_layer_cc_test.go, TestTransportLayerCC_Unmarshal "example1" and "example4".
  it('parses a run-length chunk with one small delta and P-bit padding', () => {
    const wire = bytes([0xaf, 0xcd, 0x0, 0x5, 0xfa, 0x17, 0xfa, 0x17, 0x43, 0x3, 0x2f, 0xa0, 0x0, 0x99, 0x0, 0x1, 0x3d, 0xe8, 0x2, 0x17, 0x20, 0x1, 0x94, 0x1]);
    expect(one(wire)).toEqual({
      type: 'twcc', senderSsrc: 4195875351, mediaSsrc: 1124282272, baseSequenceNumber: 153, referenceTime: 4057090, feedbackPacketCount: 23,
      packets: [{ sequenceNumber: 153, deltaUs: 37000 }],
    });
  });

  it('parses seven small deltas', () => {
    const wire = bytes([0xaf, 0xcd, 0x0, 0x7, 0xfa, 0x17, 0xfa, 0x17, 0x19, 0x3d, 0xd8, 0xbb, 0x0, 0x4, 0x0, 0x7, 0x10, 0x63, 0x6e, 0x1, 0x20, 0x7, 0x4c, 0x24, 0x24, 0x10, 0xc, 0xc, 0x10, 0x0, 0x0, 0x3]);
    const twcc = one(wire) as RtcpTwcc;
    expect(twcc).toMatchObject({ baseSequenceNumber: 4, referenceTime: 1074030, feedbackPacketCount: 1 });
    expect(twcc.packets.map((p) => p.deltaUs)).toEqual([19000, 9000, 9000, 4000, 3000, 3000, 4000]);
    expect(twcc.packets.map((p) => p.sequenceNumber)).toEqual([4, 5, 6, 7, 8, 9, 10]);
  });

  it('decodes both status-vector symbol sizes (§3.1.4: 14 one-bit or 7 two-bit symbols)', () => {
    // 1-bit vector 0x9F1C: 0 1 1 1 1 1 0 0 0 1 1 1 0 0; small deltas of 1 tick each.
    const oneBit = hex('8fcd0007 00000001 00000002 0000000e 00000000 9f1c' + '01'.repeat(8) + '0002');
    oneBit[0] = 0xaf;
    const received = (one(oneBit) as RtcpTwcc).packets.map((p) => p.deltaUs !== undefined);
    expect(received).toEqual([false, true, true, true, true, true, false, false, false, true, true, true, false, false]);
    // 2-bit vector: small, large, not received ×5.
    const twoBit = hex('afcd0006 00000001 00000002 00100007 00000000 d800 05 fff6 000003');
    expect((one(twoBit) as RtcpTwcc).packets.map((p) => p.deltaUs)).toEqual([1250, -2500, undefined, undefined, undefined, undefined, undefined]);
  });

  it('round-trips mixed feedback: long loss runs, large and negative deltas, a wrap of the base', () => {
    const packets = [
      ...Array.from({ length: 20 }, () => ({ deltaUs: 250 })),
      ...Array.from({ length: 30 }, () => ({})),
      { deltaUs: 100_000 }, { deltaUs: -750 }, {}, { deltaUs: 0 },
      ...Array.from({ length: 9000 }, (_, i) => (i % 3 ? { deltaUs: 500 } : {})),
    ];
    const twcc: RtcpTwcc = {
      type: 'twcc', senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 65530, referenceTime: 0xabcdef, feedbackPacketCount: 255,
      packets: packets.map((p, i) => ({ sequenceNumber: (65530 + i) & 0xffff, ...p })),
    };
    const wire = serializeRtcpPacket(twcc);
    expect(wire.length % 4).toBe(0);
    expect(one(wire)).toEqual(twcc);
  });

  it('rejects reserved symbols, missing chunks and missing deltas; refuses deltas beyond 16 bits', () => {
    expect(code(() => parseRtcp(hex('8fcd0005 00000001 00000002 00000001 00000000 6001 0000')))).toBe('BAD_FEEDBACK');
    expect(code(() => parseRtcp(hex('8fcd0004 00000001 00000002 00000001 00000000')))).toBe('BAD_FEEDBACK');
    expect(code(() => parseRtcp(hex('8fcd0005 00000001 00000002 00000003 00000000 20030100')))).toBe('BAD_FEEDBACK');
    expect(code(() => parseRtcp(hex('8fcd0003 00000001 00000002 00000001')))).toBe('BAD_FEEDBACK');
    const base = { type: 'twcc', senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 0, referenceTime: 0, feedbackPacketCount: 0 } as const;
    expect(() => serializeRtcpPacket({ ...base, packets: [{ sequenceNumber: 0, deltaUs: 9_000_000 }] })).toThrow(RangeError);
    expect(() => serializeRtcpPacket({ ...base, packets: [{ sequenceNumber: 1 }] })).toThrow(RangeError);
  });
});

describe('serializer guards (RangeError for values the wire cannot carry)', () => {
  it('refuses counts, lengths and values beyond their fields', () => {
    const reports = Array.from({ length: 32 }, () => report);
    expect(() => serializeRtcpPacket({ type: 'rr', ssrc: 1, reports })).toThrow(RangeError); // 5-bit RC
    expect(() => serializeRtcpPacket({ type: 'rr', ssrc: -1, reports: [] })).toThrow(RangeError);
    expect(() => serializeRtcpPacket({ type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, text: 'x'.repeat(256) }] }] })).toThrow(RangeError);
    expect(() => serializeRtcpPacket({ type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 0, text: 'x' }] }] })).toThrow(RangeError);
    expect(() => serializeRtcpPacket({ type: 'bye', ssrcs: [1], reason: 'x'.repeat(256) })).toThrow(RangeError);
    expect(() => serializeRtcpPacket({ type: 'remb', senderSsrc: 1, bitrateBps: 2 ** 90, ssrcs: [] })).toThrow(RangeError);
    expect(() => serializeRtcpPacket({ type: 'remb', senderSsrc: 1, bitrateBps: 1, ssrcs: Array(256).fill(1) as number[] })).toThrow(RangeError);
    expect(() => serializeRtcpPacket({ type: 'pli', senderSsrc: 2 ** 32, mediaSsrc: 1 })).toThrow(RangeError);
    const many = Array.from({ length: 65536 }, (_, i) => ({ sequenceNumber: i & 0xffff }));
    expect(() => serializeRtcpPacket({ type: 'twcc', senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 0, referenceTime: 0, feedbackPacketCount: 0, packets: many })).toThrow(RangeError);
  });
});
