import { describe, expect, it } from 'vitest';
import {
  ONE_BYTE_PROFILE, TWO_BYTE_PROFILE, parseAbsSendTime, parseAudioLevel, parseExtensionElements, parseTransportSequenceNumber, serializeAbsSendTime,
  serializeAudioLevel, serializeTransportSequenceNumber,
} from './rtp-extensions.ts';
import { type RtpPacket, parseRtp, rewriteRtp, rtpHeaderLength, serializeRtp } from './rtp.ts';
import { classifyPacket, isRtcp } from './demux.ts';
import { unwrapRtx, wrapRtx } from './rtx.ts';
import { decodeErrorCode } from './decode-error.test-helper.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const code = decodeErrorCode;

const base = (over: Partial<RtpPacket> = {}): RtpPacket => ({
  marker: true, payloadType: 111, sequenceNumber: 0x1234, timestamp: 0xdecafbad, ssrc: 0xcafebabe, csrcs: [],
  extensions: new Map(), paddingLength: 0, payload: Buffer.from('opus'), ...over,
});

describe('RTP fixed header (RFC 3550 §5.1)', () => {
  it('parses the libsrtp reference header', () => {
    const p = parseRtp(hex('800f1234decafbadcafebabe' + 'ab'.repeat(16)));
    expect(p).toMatchObject({ marker: false, payloadType: 15, sequenceNumber: 0x1234, timestamp: 0xdecafbad, ssrc: 0xcafebabe, csrcs: [], paddingLength: 0 });
    expect(p.payload.equals(Buffer.alloc(16, 0xab))).toBe(true);
  });

  it('round-trips marker, CSRCs and padding', () => {
    const packet = base({ csrcs: [1, 0xffff_ffff], paddingLength: 4 });
    const wire = serializeRtp(packet);
    expect(wire[0]).toBe(0x80 | 0x20 | 2);
    expect(wire[1]).toBe(0x80 | 111);
    expect(wire.subarray(-4).equals(Buffer.from([0, 0, 0, 4]))).toBe(true);
    const back = parseRtp(wire);
    expect(back).toMatchObject({ marker: true, csrcs: [1, 0xffff_ffff], paddingLength: 4 });
    expect(back.payload.toString()).toBe('opus');
    expect(serializeRtp(back).equals(wire)).toBe(true);
  });

  it('rejects truncation, version ≠ 2 and impossible padding with stable codes', () => {
    expect(code(() => parseRtp(Buffer.alloc(11, 0x80)))).toBe('TRUNCATED');
    expect(code(() => parseRtp(hex('400f1234decafbadcafebabe')))).toBe('BAD_VERSION');
    expect(code(() => parseRtp(hex('820f1234decafbadcafebabe 00000001')))).toBe('TRUNCATED'); // 2 CSRCs, 1 present
    expect(code(() => parseRtp(hex('a00f1234decafbadcafebabe 61626300')))).toBe('BAD_PADDING'); // count 0
    expect(code(() => parseRtp(hex('a00f1234decafbadcafebabe 61626305')))).toBe('BAD_PADDING'); // 5 > 4 bytes
    expect(code(() => parseRtp(hex('a00f1234decafbadcafebabe')))).toBe('BAD_PADDING'); // P bit, no payload
    expect(code(() => parseRtp(hex('900f1234decafbadcafebabe bede')))).toBe('TRUNCATED');
    expect(code(() => parseRtp(hex('900f1234decafbadcafebabe bede0002 10ff0000')))).toBe('TRUNCATED'); // 2 words, 1 present
    expect(code(() => rtpHeaderLength(new Uint8Array(3)))).toBe('TRUNCATED');
  });

  it('keeps the payload as a view: parsing copies nothing and mutates nothing', () => {
    const wire = serializeRtp(base());
    const before = Buffer.from(wire);
    const p = parseRtp(wire);
    expect(p.payload.buffer).toBe(wire.buffer);
    expect(wire.equals(before)).toBe(true);
  });

  it('accepts any Uint8Array, not only Buffer', () => {
    const wire = serializeRtp(base());
    expect(parseRtp(new Uint8Array(wire)).sequenceNumber).toBe(0x1234);
  });

  it('refuses out-of-range fields when serializing', () => {
    expect(() => serializeRtp(base({ payloadType: 128 }))).toThrow(RangeError);
    expect(() => serializeRtp(base({ sequenceNumber: 65536 }))).toThrow(RangeError);
    expect(() => serializeRtp(base({ csrcs: Array(16).fill(1) as number[] }))).toThrow(RangeError);
    expect(() => serializeRtp(base({ extensionProfile: { profile: 1, data: Buffer.alloc(3) } }))).toThrow(RangeError);
    expect(() => serializeRtp(base({ extensionProfile: { profile: 1, data: Buffer.alloc(0x40000) } }))).toThrow(RangeError); // 16-bit word count
    expect(() => serializeRtp(base({ extensions: new Map([[300, Buffer.alloc(1)]]) }))).toThrow(RangeError);
    expect(() => serializeRtp(base({ extensions: new Map([[20, Buffer.alloc(256)]]) }))).toThrow(RangeError);
  });
});

describe('RTP header extensions (RFC 8285)', () => {
  it('parses one-byte elements with padding between them and stops at ID 15 (§4.2)', () => {
    // id 1 len 1: aa; padding 00; id 2 len 3: 01 02 03; id 15 ends processing; id 3 after it is ignored.
    const block = hex('10aa 00 22010203 f0 30 99 00');
    const m = parseExtensionElements(ONE_BYTE_PROFILE, block);
    expect([...m.keys()]).toEqual([1, 2]);
    expect(m.get(1)?.toString('hex')).toBe('aa');
    expect(m.get(2)?.toString('hex')).toBe('010203');
  });

  it('treats a one-byte element with ID 0 as a single padding byte whatever its length bits (regression: fuzz)', () => {
    const m = parseExtensionElements(ONE_BYTE_PROFILE, hex('1400000000 00 01 0000'));
    expect([...m.keys()]).toEqual([1]);
  });

  it('parses two-byte elements, including zero-length data (§4.3)', () => {
    const m = parseExtensionElements(TWO_BYTE_PROFILE | 0x5, hex('0100 00 ff02abcd 0000'));
    expect(m.get(1)?.length).toBe(0);
    expect(m.get(255)?.toString('hex')).toBe('abcd');
  });

  it('rejects elements that overrun the block', () => {
    expect(code(() => parseExtensionElements(ONE_BYTE_PROFILE, hex('13aabb')))).toBe('BAD_EXTENSION');
    expect(code(() => parseExtensionElements(TWO_BYTE_PROFILE, hex('0105aa')))).toBe('BAD_EXTENSION');
    expect(code(() => parseExtensionElements(TWO_BYTE_PROFILE, hex('07')))).toBe('BAD_EXTENSION');
    expect(code(() => parseRtp(hex('900f1234decafbadcafebabe bede0001 13aabbcc')))).toBe('BAD_EXTENSION');
  });

  it('serializes one-byte when every element fits, two-byte otherwise, and round-trips', () => {
    const audioLevel = base({ extensions: new Map([[1, Buffer.from([0x80 | 30])], [3, Buffer.from([0, 1, 2])]]) });
    const wire = serializeRtp(audioLevel);
    expect(wire.readUInt16BE(12)).toBe(0xbede);
    expect(wire.readUInt16BE(14)).toBe(2); // 2 + 4 bytes → 2 words
    const back = parseRtp(wire);
    expect(back.extensions.get(1)?.[0]).toBe(0x80 | 30);
    expect(back.extensions.get(3)?.toString('hex')).toBe('000102');

    const big = base({ extensions: new Map([[20, Buffer.alloc(20, 7)], [2, Buffer.alloc(0)]]) });
    const wire2 = serializeRtp(big);
    expect(wire2.readUInt16BE(12)).toBe(0x1000);
    const back2 = parseRtp(wire2);
    expect(back2.extensions.get(20)?.equals(Buffer.alloc(20, 7))).toBe(true);
    expect(back2.extensions.get(2)?.length).toBe(0);
    expect(() => serializeRtp(base({ extensions: new Map([[0, Buffer.alloc(1)]]) }))).toThrow(RangeError);
  });

  it('keeps a non-RFC 8285 extension raw (RFC 3550 §5.3.1)', () => {
    const packet = base({ extensionProfile: { profile: 0xabac, data: hex('01020304') } });
    const back = parseRtp(serializeRtp(packet));
    expect(back.extensions.size).toBe(0);
    expect(back.extensionProfile?.profile).toBe(0xabac);
    expect(back.extensionProfile?.data.toString('hex')).toBe('01020304');
  });
});

describe('header extension values', () => {
  it('audio level (RFC 6464 §3): V bit and −dBov', () => {
    expect(parseAudioLevel(Buffer.from([0x80 | 30]))).toEqual({ voiceActivity: true, level: 30 });
    expect(parseAudioLevel(Buffer.from([127]))).toEqual({ voiceActivity: false, level: 127 });
    expect(serializeAudioLevel({ voiceActivity: true, level: 30 })[0]).toBe(0x80 | 30);
    expect(() => serializeAudioLevel({ voiceActivity: false, level: 128 })).toThrow(RangeError);
    expect(code(() => parseAudioLevel(Buffer.alloc(2)))).toBe('BAD_EXTENSION');
  });

  it('transport-wide sequence number and abs-send-time', () => {
    expect(parseTransportSequenceNumber(serializeTransportSequenceNumber(65535))).toBe(65535);
    expect(serializeTransportSequenceNumber(65536).readUInt16BE(0)).toBe(0);
    expect(code(() => parseTransportSequenceNumber(Buffer.alloc(1)))).toBe('BAD_EXTENSION');
    expect(serializeAbsSendTime(1).toString('hex')).toBe('040000'); // 1 s = 2^18 ticks
    expect(parseAbsSendTime(Buffer.from([0xff, 0xff, 0xff]))).toBeCloseTo(64 - 2 ** -18, 9);
    expect(parseAbsSendTime(serializeAbsSendTime(64 + 0.5))).toBe(0.5); // wraps every 64 s
    expect(code(() => parseAbsSendTime(Buffer.alloc(4)))).toBe('BAD_EXTENSION');
  });
});

describe('rewriteRtp', () => {
  it('rewrites SSRC, sequence number, timestamp, payload type and marker into a new buffer', () => {
    const wire = serializeRtp(base({ csrcs: [9], extensions: new Map([[1, Buffer.from([1])]]) }));
    const before = Buffer.from(wire);
    const out = rewriteRtp(wire, { ssrc: 0x11223344, sequenceNumber: 65535, timestamp: 0, payloadType: 96, marker: false });
    expect(wire.equals(before)).toBe(true); // werift pitfall (issue 5): the caller's packet stays untouched
    expect(out).not.toBe(wire);
    expect(out.buffer).not.toBe(wire.buffer);
    expect(parseRtp(out)).toMatchObject({ ssrc: 0x11223344, sequenceNumber: 65535, timestamp: 0, payloadType: 96, marker: false, csrcs: [9] });
    expect(out.subarray(12).equals(wire.subarray(12))).toBe(true);
  });

  it('rejects non-RTP input and bad values', () => {
    expect(code(() => rewriteRtp(Buffer.alloc(5), { ssrc: 1 }))).toBe('TRUNCATED');
    expect(code(() => rewriteRtp(Buffer.alloc(12), { ssrc: 1 }))).toBe('BAD_VERSION');
    expect(() => rewriteRtp(serializeRtp(base()), { ssrc: -1 })).toThrow(RangeError);
  });
});

describe('RFC 7983 demultiplexing', () => {
  it('classifies by the first byte', () => {
    const first = (b: number, second = 0): PacketKindProbe => classifyPacket(Buffer.from([b, second, 0, 0]));
    type PacketKindProbe = ReturnType<typeof classifyPacket>;
    expect(first(0)).toBe('stun');
    expect(first(3)).toBe('stun');
    expect(first(4)).toBe('unknown');
    expect(first(16)).toBe('zrtp');
    expect(first(20)).toBe('dtls');
    expect(first(22)).toBe('dtls'); // handshake
    expect(first(63)).toBe('dtls');
    expect(first(64)).toBe('turn-channel');
    expect(first(79)).toBe('turn-channel');
    expect(first(80)).toBe('unknown');
    expect(first(127)).toBe('unknown');
    expect(first(128, 111)).toBe('rtp');
    expect(first(191, 0xe0)).toBe('rtp'); // marker + PT 96
    expect(first(192)).toBe('unknown');
    expect(classifyPacket(new Uint8Array(0))).toBe('unknown');
  });

  it('separates RTCP from RTP by packet type 192–223 (RFC 5761 §4)', () => {
    for (const pt of [192, 200, 201, 205, 206, 223]) expect(classifyPacket(Buffer.from([0x80, pt, 0, 1]))).toBe('rtcp');
    for (const pt of [191, 224]) expect(classifyPacket(Buffer.from([0x80, pt, 0, 1]))).toBe('rtp');
    expect(isRtcp(Buffer.from([0x80, 200]))).toBe(false);
  });
});

describe('RTX (RFC 4588 §4)', () => {
  it('wraps with the OSN first and unwraps back to the original, leaving the input untouched', () => {
    const original = serializeRtp(base({ csrcs: [4], extensions: new Map([[3, Buffer.from([1, 2])]]), paddingLength: 3 }));
    const before = Buffer.from(original);
    const rtx = wrapRtx(original, { ssrc: 0x5555, payloadType: 97, sequenceNumber: 7 });
    expect(original.equals(before)).toBe(true);
    const parsed = parseRtp(rtx);
    expect(parsed).toMatchObject({ ssrc: 0x5555, payloadType: 97, sequenceNumber: 7, timestamp: 0xdecafbad, marker: true, csrcs: [4], paddingLength: 0 });
    expect(parsed.payload.readUInt16BE(0)).toBe(0x1234);
    expect(parsed.extensions.get(3)?.toString('hex')).toBe('0102');
    const back = unwrapRtx(rtx, { ssrc: 0xcafebabe, payloadType: 111 });
    expect(back.equals(serializeRtp(base({ csrcs: [4], extensions: new Map([[3, Buffer.from([1, 2])]]) })))).toBe(true);
  });

  it('rejects an RTX packet without the OSN', () => {
    const noOsn = serializeRtp(base({ payload: Buffer.from([1]) }));
    expect(code(() => unwrapRtx(noOsn, { ssrc: 1, payloadType: 96 }))).toBe('TRUNCATED');
  });
});
