import { CHANNEL_MAX_RFC5766, CHANNEL_MIN } from './constants.ts';
import { StunDecodeError } from './errors.ts';

/**
 * RFC 8656 §12.4: ChannelData — channel number, length, application data. RFC 8656 numbers
 * are 0x4000–0x4FFF; RFC 5766 allowed up to 0x7FFF and older clients use that, so both the
 * encoder and the decoder accept 0x4000–0x7FFF (the first two bits are 01).
 * Over TCP/TLS the message is padded to a multiple of 4 (§12.5); over UDP padding is optional.
 */
export interface ChannelData {
  channel: number;
  data: Buffer;
}

/** A first byte 64–127 is ChannelData (RFC 7983 gives 64–79 to TURN; RFC 5766 used up to 127). */
export function isChannelData(buf: Uint8Array): boolean {
  const b = buf[0];
  return b !== undefined && b >= 0x40 && b <= 0x7f;
}

export function encodeChannelData(channel: number, data: Uint8Array, options: { pad?: boolean } = {}): Buffer {
  if (channel < CHANNEL_MIN || channel > CHANNEL_MAX_RFC5766) throw new RangeError(`channel 0x${channel.toString(16)} is outside 0x4000–0x7FFF`);
  if (data.length > 0xffff) throw new RangeError('ChannelData payload longer than 65535 bytes');
  const total = 4 + (options.pad ? (data.length + 3) & ~3 : data.length);
  const out = Buffer.alloc(total);
  out.writeUInt16BE(channel, 0);
  out.writeUInt16BE(data.length, 2);
  out.set(data, 4);
  return out;
}

/** Decodes a ChannelData message filling `buf` (trailing padding allowed, up to 3 bytes). */
export function decodeChannelData(buf: Buffer): ChannelData {
  if (buf.length < 4) throw new StunDecodeError('TRUNCATED', 'ChannelData header is 4 bytes');
  const channel = buf.readUInt16BE(0);
  if (channel < CHANNEL_MIN || channel > CHANNEL_MAX_RFC5766) throw new StunDecodeError('BAD_CHANNEL', `channel 0x${channel.toString(16)} is outside 0x4000–0x7FFF`);
  const length = buf.readUInt16BE(2);
  if (4 + length > buf.length) throw new StunDecodeError('TRUNCATED', `ChannelData says ${length} bytes, ${buf.length - 4} present`);
  if (buf.length - 4 - length > 3) throw new StunDecodeError('BAD_LENGTH', 'bytes follow the end of the ChannelData message');
  return { channel, data: buf.subarray(4, 4 + length) };
}
