import { MediaDecodeError } from './errors.ts';

/** RFC 8285 §4.2: the "defined by profile" value that marks one-byte header extensions. */
export const ONE_BYTE_PROFILE = 0xbede;
/** RFC 8285 §4.3: two-byte header extensions use 0x100 in the top 12 bits; the low 4 are "appbits". */
export const TWO_BYTE_PROFILE = 0x1000;
const TWO_BYTE_MASK = 0xfff0;

export function isOneByteProfile(profile: number): boolean {
  return profile === ONE_BYTE_PROFILE;
}

export function isTwoByteProfile(profile: number): boolean {
  return (profile & TWO_BYTE_MASK) === TWO_BYTE_PROFILE;
}

/**
 * Parses an RFC 8285 extension block (the bytes after the 4-byte extension header) into id → data.
 * The data are views into `block`, not copies.
 */
export function parseExtensionElements(profile: number, block: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let i = 0;
  if (isOneByteProfile(profile)) {
    while (i < block.length) {
      const b = block[i] as number;
      // RFC 8285 §4.2: ID 0 is padding (one byte); like libwebrtc, its length bits are ignored.
      if (b >> 4 === 0) {
        i++;
        continue;
      }
      const id = b >> 4;
      // RFC 8285 §4.2: ID 15 is reserved; stop processing and keep what came before it.
      if (id === 15) break;
      const length = (b & 0x0f) + 1; // the 4-bit length field is the data length minus one
      if (i + 1 + length > block.length) throw new MediaDecodeError('BAD_EXTENSION', `one-byte extension ${id} overruns its block`);
      out.set(id, block.subarray(i + 1, i + 1 + length));
      i += 1 + length;
    }
    return out;
  }
  if (isTwoByteProfile(profile)) {
    while (i < block.length) {
      const id = block[i] as number;
      // RFC 8285 §4.3: a zero ID byte is padding.
      if (id === 0) {
        i++;
        continue;
      }
      if (i + 2 > block.length) throw new MediaDecodeError('BAD_EXTENSION', `two-byte extension ${id} has no length byte`);
      const length = block[i + 1] as number;
      if (i + 2 + length > block.length) throw new MediaDecodeError('BAD_EXTENSION', `two-byte extension ${id} overruns its block`);
      out.set(id, block.subarray(i + 2, i + 2 + length));
      i += 2 + length;
    }
    return out;
  }
  return out;
}

/** True when every element fits the one-byte form: ID 1–14, data 1–16 bytes (RFC 8285 §4.2). */
export function fitsOneByte(extensions: ReadonlyMap<number, Uint8Array>): boolean {
  for (const [id, data] of extensions) if (id < 1 || id > 14 || data.length < 1 || data.length > 16) return false;
  return true;
}

/**
 * Serializes elements as an RFC 8285 block, padded with zeros to a multiple of 4 bytes. Returns the profile
 * value to put in the extension header (one-byte when every element allows it, else two-byte).
 */
export function serializeExtensionElements(extensions: ReadonlyMap<number, Uint8Array>): { profile: number; block: Buffer } {
  const oneByte = fitsOneByte(extensions);
  let size = 0;
  for (const [id, data] of extensions) {
    if (!Number.isInteger(id) || id < 1 || id > 255) throw new RangeError(`RTP header extension id ${id} is outside 1–255`);
    if (data.length > 255) throw new RangeError(`RTP header extension ${id} is longer than 255 bytes`);
    size += (oneByte ? 1 : 2) + data.length;
  }
  const block = Buffer.alloc(Math.ceil(size / 4) * 4);
  let i = 0;
  for (const [id, data] of extensions) {
    if (oneByte) block[i++] = (id << 4) | (data.length - 1);
    else {
      block[i++] = id;
      block[i++] = data.length;
    }
    block.set(data, i);
    i += data.length;
  }
  return { profile: oneByte ? ONE_BYTE_PROFILE : TWO_BYTE_PROFILE, block };
}

function extensionData(data: Uint8Array, length: number, name: string): Uint8Array {
  if (data.length !== length) throw new MediaDecodeError('BAD_EXTENSION', `${name} carries ${length} byte(s), got ${data.length}`);
  return data;
}

/** RFC 6464 §3 client-to-mixer audio level: V (voice activity) bit and the level in −dBov, 0 (loudest)–127. */
export interface AudioLevel {
  voiceActivity: boolean;
  level: number;
}

export function parseAudioLevel(data: Uint8Array): AudioLevel {
  const b = extensionData(data, 1, 'ssrc-audio-level')[0] as number;
  return { voiceActivity: (b & 0x80) !== 0, level: b & 0x7f };
}

export function serializeAudioLevel(value: AudioLevel): Buffer {
  if (!Number.isInteger(value.level) || value.level < 0 || value.level > 127) throw new RangeError(`audio level ${value.level} is outside 0–127 (−dBov)`);
  return Buffer.from([(value.voiceActivity ? 0x80 : 0) | value.level]);
}

/** draft-holmer-rmcat-transport-wide-cc-extensions-01 §2: a 16-bit transport-wide sequence number. */
export function parseTransportSequenceNumber(data: Uint8Array): number {
  const d = extensionData(data, 2, 'transport-wide-cc');
  return ((d[0] as number) << 8) | (d[1] as number);
}

export function serializeTransportSequenceNumber(seq: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(seq & 0xffff, 0);
  return out;
}

/** abs-send-time (webrtc.org/experiments/rtp-hdrext/abs-send-time): 24-bit 6.18 fixed-point seconds. */
export function parseAbsSendTime(data: Uint8Array): number {
  const d = extensionData(data, 3, 'abs-send-time');
  return (((d[0] as number) << 16) | ((d[1] as number) << 8) | (d[2] as number)) / 2 ** 18;
}

/** Encodes seconds (taken modulo 64, the field's range) as 6.18 fixed point. */
export function serializeAbsSendTime(seconds: number): Buffer {
  const ticks = Math.round((((seconds % 64) + 64) % 64) * 2 ** 18) & 0xff_ffff;
  return Buffer.from([ticks >> 16, (ticks >> 8) & 0xff, ticks & 0xff]);
}
