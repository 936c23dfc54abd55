import { describe, expect, it } from 'vitest';
import {
  Attr, StunDecodeError, StunMessageBuilder, StunMethod, StreamFramer, decodeChannelData, decodeErrorCode, decodeMessage,
  decodeMessageType, decodeUnknownAttributes, encodeChannelData, encodeMessageType, encodeUnknownAttributes, bytesToIp,
  ipToBytes, isChannelData, looksLikeStun, readErrorCode, readUint32, readXorAddress, verifyFingerprint, verifyIntegrity,
  longTermKey, decodeEvenPort, decodeRequestedTransport, decodeChannelNumber, decodeXorAddress, encodeXorAddress, crc32,
} from './index.ts';

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StunDecodeError);
    return (err as StunDecodeError).code;
  }
  throw new Error('expected a StunDecodeError');
};

describe('message type (RFC 8489 §5)', () => {
  it('interleaves class bits into the method', () => {
    expect(encodeMessageType(StunMethod.Binding, 'request')).toBe(0x0001);
    expect(encodeMessageType(StunMethod.Binding, 'success')).toBe(0x0101);
    expect(encodeMessageType(StunMethod.Binding, 'error')).toBe(0x0111);
    expect(encodeMessageType(StunMethod.Allocate, 'request')).toBe(0x0003);
    expect(encodeMessageType(StunMethod.Allocate, 'error')).toBe(0x0113);
    expect(encodeMessageType(StunMethod.Send, 'indication')).toBe(0x0016);
    expect(encodeMessageType(StunMethod.Data, 'indication')).toBe(0x0017);
    expect(encodeMessageType(StunMethod.ChannelBind, 'success')).toBe(0x0109);
  });

  it('round-trips every 12-bit method and class', () => {
    for (let m = 0; m < 0x1000; m += 7) for (const cls of ['request', 'indication', 'success', 'error'] as const) expect(decodeMessageType(encodeMessageType(m, cls))).toEqual({ method: m, cls });
  });
});

describe('addresses (RFC 8489 §14.1–14.2)', () => {
  it('formats IPv6 per RFC 5952', () => {
    expect(bytesToIp(ipToBytes('2001:db8::1'))).toBe('2001:db8::1');
    expect(bytesToIp(ipToBytes('::1'))).toBe('::1');
    expect(bytesToIp(ipToBytes('::'))).toBe('::');
    expect(bytesToIp(ipToBytes('fe80::1:0:0:1'))).toBe('fe80::1:0:0:1');
    expect(bytesToIp(ipToBytes('::ffff:10.0.0.1'))).toBe('::ffff:a00:1');
    expect(bytesToIp(ipToBytes('1:0:0:2:0:0:0:3'))).toBe('1:0:0:2::3');
  });

  it('XOR addresses round-trip for IPv4 and IPv6', () => {
    const tid = Buffer.alloc(12, 7);
    for (const a of [{ address: '198.18.0.1', port: 3478 }, { address: '2001:db8::42', port: 65535 }]) {
      expect(decodeXorAddress(encodeXorAddress(a, tid), tid)).toMatchObject(a);
    }
  });

  it('rejects unknown families and wrong sizes', () => {
    expect(code(() => decodeXorAddress(Buffer.from([0, 3, 0, 0, 1, 2, 3, 4]), Buffer.alloc(12)))).toBe('BAD_ADDRESS_FAMILY');
    expect(code(() => decodeXorAddress(Buffer.from([0, 1, 0, 0, 1, 2, 3]), Buffer.alloc(12)))).toBe('BAD_ATTRIBUTE');
    expect(code(() => decodeXorAddress(Buffer.from([0, 2, 0, 0, 1, 2, 3, 4]), Buffer.alloc(12)))).toBe('BAD_ATTRIBUTE');
    expect(code(() => decodeXorAddress(Buffer.from([0, 1]), Buffer.alloc(12)))).toBe('BAD_ATTRIBUTE');
  });
});

describe('messages', () => {
  it('builds, signs and reads back a TURN error response', () => {
    const b = new StunMessageBuilder(StunMethod.Allocate, 'error').errorCode(438).text(Attr.REALM, 'parley').text(Attr.NONCE, 'n');
    b.xorAddress(Attr['XOR-RELAYED-ADDRESS'], { address: '2001:db8::1', port: 50000 }).uint32(Attr.LIFETIME, 600);
    const key = longTermKey('u', 'parley', 'p');
    const msg = decodeMessage(b.encode({ integrity: key, fingerprint: true }));
    expect(msg.cls).toBe('error');
    expect(readErrorCode(msg)).toEqual({ code: 438, reason: 'Stale Nonce' });
    expect(readXorAddress(msg, Attr['XOR-RELAYED-ADDRESS'])).toMatchObject({ address: '2001:db8::1', port: 50000 });
    expect(readUint32(msg, Attr.LIFETIME)).toBe(600);
    expect(verifyIntegrity(msg, key)).toBe(true);
    expect(verifyFingerprint(msg)).toBe(true);
  });

  it('ignores attributes after MESSAGE-INTEGRITY except MESSAGE-INTEGRITY-SHA256 and FINGERPRINT', () => {
    const b = new StunMessageBuilder(StunMethod.Binding, 'request').text(Attr.USERNAME, 'a');
    const signed = b.encode({ integrity: Buffer.from('k') });
    const tail = Buffer.from([0x80, 0x22, 0, 1, 0x41, 0, 0, 0]); // SOFTWARE after MESSAGE-INTEGRITY
    const raw = Buffer.concat([signed, tail]);
    raw.writeUInt16BE(raw.length - 20, 2);
    const msg = decodeMessage(raw);
    expect(msg.attributes.map((a) => a.type)).toEqual([Attr.USERNAME, Attr['MESSAGE-INTEGRITY']]);
    expect(verifyIntegrity(msg, Buffer.from('k'))).toBe(true);
  });

  it('refuses malformed messages with stable codes', () => {
    const ok = new StunMessageBuilder(StunMethod.Binding, 'request').text(Attr.SOFTWARE, 'x').encode();
    expect(code(() => decodeMessage(ok.subarray(0, 10)))).toBe('TRUNCATED');
    expect(code(() => decodeMessage(ok.subarray(0, ok.length - 4)))).toBe('TRUNCATED');
    expect(code(() => decodeMessage(Buffer.concat([ok, Buffer.alloc(4)])))).toBe('BAD_LENGTH');
    const noCookie = Buffer.from(ok);
    noCookie[4] = 0;
    expect(code(() => decodeMessage(noCookie))).toBe('NOT_STUN');
    const topBits = Buffer.from(ok);
    topBits[0] = 0x80;
    expect(code(() => decodeMessage(topBits))).toBe('NOT_STUN');
    const odd = Buffer.from(ok);
    odd.writeUInt16BE(ok.length - 20 - 2, 2);
    expect(code(() => decodeMessage(odd))).toBe('NOT_STUN');
    const overrun = Buffer.from(ok);
    overrun.writeUInt16BE(0xff, 22);
    expect(code(() => decodeMessage(overrun))).toBe('TRUNCATED');
    expect(looksLikeStun(ok)).toBe(true);
    expect(looksLikeStun(noCookie)).toBe(false);
  });

  it('value codecs refuse wrong sizes', () => {
    expect(code(() => decodeErrorCode(Buffer.from([0, 0, 2, 0])))).toBe('BAD_ATTRIBUTE');
    expect(code(() => decodeErrorCode(Buffer.from([0, 0])))).toBe('BAD_ATTRIBUTE');
    expect(code(() => decodeUnknownAttributes(Buffer.from([0])))).toBe('BAD_ATTRIBUTE');
    expect(decodeUnknownAttributes(encodeUnknownAttributes([0x0031, 0x7fff]))).toEqual([0x0031, 0x7fff]);
    expect(code(() => decodeEvenPort(Buffer.alloc(2)))).toBe('BAD_ATTRIBUTE');
    expect(code(() => decodeRequestedTransport(Buffer.alloc(3)))).toBe('BAD_ATTRIBUTE');
    expect(code(() => decodeChannelNumber(Buffer.alloc(2)))).toBe('BAD_ATTRIBUTE');
  });

  it('FINGERPRINT uses the ISO 3309 CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});

describe('ChannelData (RFC 8656 §12)', () => {
  it('encodes with optional padding and decodes either form', () => {
    const data = Buffer.from('hello');
    const udp = encodeChannelData(0x4001, data);
    const tcp = encodeChannelData(0x4001, data, { pad: true });
    expect(udp.length).toBe(9);
    expect(tcp.length).toBe(12);
    expect(isChannelData(udp)).toBe(true);
    expect(decodeChannelData(udp)).toEqual({ channel: 0x4001, data });
    expect(decodeChannelData(tcp)).toEqual({ channel: 0x4001, data });
  });

  it('refuses reserved channels and short frames', () => {
    expect(code(() => decodeChannelData(Buffer.from([0x80, 0, 0, 0])))).toBe('BAD_CHANNEL');
    expect(code(() => decodeChannelData(Buffer.from([0x3f, 0xff, 0, 0])))).toBe('BAD_CHANNEL');
    expect(decodeChannelData(Buffer.from([0x6e, 0x9b, 0, 0])).channel).toBe(0x6e9b); // RFC 5766 range, as coturn uses
    expect(code(() => decodeChannelData(Buffer.from([0x40, 0, 0, 4, 1])))).toBe('TRUNCATED');
    expect(code(() => decodeChannelData(Buffer.from([0x40, 0])))).toBe('TRUNCATED');
    expect(code(() => decodeChannelData(Buffer.from([0x40, 0, 0, 0, 1, 2, 3, 4])))).toBe('BAD_LENGTH');
    expect(() => encodeChannelData(0x3fff, Buffer.alloc(0))).toThrow(RangeError);
  });
});

describe('StreamFramer (RFC 8656 §12.5)', () => {
  it('cuts STUN and padded ChannelData frames from arbitrary chunks', () => {
    const stun = new StunMessageBuilder(StunMethod.Binding, 'request').encode({ fingerprint: true });
    const cd = encodeChannelData(0x4000, Buffer.from('abcde'), { pad: true });
    const stream = Buffer.concat([stun, cd, stun]);
    for (const size of [1, 3, 7, stream.length]) {
      const framer = new StreamFramer();
      const frames: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) frames.push(...framer.push(stream.subarray(i, i + size)));
      expect(frames.map((f) => f.length)).toEqual([stun.length, cd.length, stun.length]);
      expect(framer.buffered).toBe(0);
    }
  });

  it('refuses frames that are neither', () => {
    expect(code(() => new StreamFramer().push(Buffer.from([0xff, 0, 0, 0])))).toBe('NOT_STUN');
    expect(code(() => new StreamFramer().push(Buffer.from('16030100a50100a10303', 'hex')))).toBe('NOT_STUN'); // TLS ClientHello
    expect(code(() => new StreamFramer({ maxBufferedBytes: 16 }).push(Buffer.concat([Buffer.from([0, 1, 0xff, 0xfc, 0x21, 0x12, 0xa4, 0x42]), Buffer.alloc(20)])))).toBe('BAD_LENGTH');
  });
});
