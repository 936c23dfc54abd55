import { describe, expect, it } from 'vitest';
import { DcepError, encodeDcepAck, encodeDcepOpen, parseDcep, type DcepErrorCode } from './dcep.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function codeOf(data: Uint8Array): DcepErrorCode | undefined {
  try {
    parseDcep(data);
  } catch (err) {
    expect(err).toBeInstanceOf(DcepError);
    return (err as DcepError).code;
  }
  return undefined;
}

describe('DCEP (RFC 8832)', () => {
  it('parses a DATA_CHANNEL_OPEN as Chromium sends it for createDataChannel("parley-data") (RFC 8832 §5.1)', () => {
    // type 0x03, channel type 0x00 (reliable), priority 256, reliability 0, label length 11, protocol length 0.
    const open = hex('03 00 0100 00000000 000b 0000') ;
    const message = parseDcep(Buffer.concat([open, Buffer.from('parley-data')]));
    expect(message).toEqual({ type: 'open', channel: { label: 'parley-data', protocol: '', ordered: true, priority: 256 } });
  });

  it('reads every channel type: unordered bit, retransmit and lifetime limits', () => {
    const frame = (type: number, reliability: number) => Buffer.concat([hex(`03 ${type.toString(16).padStart(2, '0')} 0000`), hex(reliability.toString(16).padStart(8, '0')), hex('0001 0002'), Buffer.from('lp2')]);
    expect(parseDcep(frame(0x81, 0))).toEqual({ type: 'open', channel: { label: 'l', protocol: 'p2', ordered: false, maxRetransmits: 0, priority: 0 } });
    expect(parseDcep(frame(0x01, 5))).toMatchObject({ channel: { ordered: true, maxRetransmits: 5 } });
    expect(parseDcep(frame(0x02, 300))).toMatchObject({ channel: { ordered: true, maxPacketLifeTime: 300 } });
    expect(parseDcep(frame(0x82, 300))).toMatchObject({ channel: { ordered: false, maxPacketLifeTime: 300 } });
    // The reliability parameter of a reliable channel is ignored (§5.1).
    expect(parseDcep(frame(0x80, 9))).toEqual({ type: 'open', channel: { label: 'l', protocol: 'p2', ordered: false, priority: 0 } });
  });

  it('round-trips what it encodes, UTF-8 labels included', () => {
    for (const channel of [
      { label: 'parley-data-lossy', protocol: '', ordered: false, maxRetransmits: 0, priority: 256 },
      { label: 'naïve ✓', protocol: 'proto', ordered: true, priority: 512 },
      { label: '', protocol: '', ordered: true, maxPacketLifeTime: 1500, priority: 0 },
    ]) {
      expect(parseDcep(encodeDcepOpen(channel))).toEqual({ type: 'open', channel });
    }
    expect(parseDcep(encodeDcepAck())).toEqual({ type: 'ack' });
    expect([...encodeDcepAck()]).toEqual([0x02]);
  });

  it('refuses malformed messages with stable codes', () => {
    const good = encodeDcepOpen({ label: 'abc', protocol: '', ordered: true, priority: 0 });
    expect(codeOf(Buffer.alloc(0))).toBe('TRUNCATED');
    expect(codeOf(good.subarray(0, 11))).toBe('TRUNCATED');
    expect(codeOf(good.subarray(0, good.length - 1))).toBe('BAD_LENGTH');
    expect(codeOf(Buffer.concat([good, Buffer.from('x')]))).toBe('BAD_LENGTH');
    expect(codeOf(hex('02 00'))).toBe('BAD_LENGTH');
    expect(codeOf(hex('04'))).toBe('UNKNOWN_TYPE');
    expect(codeOf(hex('00'))).toBe('UNKNOWN_TYPE');
    const badType = Buffer.from(good);
    badType[1] = 0x03;
    expect(codeOf(badType)).toBe('BAD_CHANNEL_TYPE');
    // Lengths that overflow the message must not read past it.
    expect(codeOf(hex('03 00 0000 00000000 ffff ffff'))).toBe('BAD_LENGTH');
  });

  it('throws nothing but DcepError on random bytes', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let i = 0; i < 3000; i++) {
      const data = Buffer.from(Array.from({ length: next() % 30 }, next));
      if (i % 2 === 0 && data.length > 0) data[0] = 3;
      try {
        parseDcep(data);
      } catch (err) {
        expect(err).toBeInstanceOf(DcepError);
      }
    }
  });
});
