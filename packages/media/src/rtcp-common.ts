import { MediaDecodeError } from './errors.ts';

/** RTCP packet types: RFC 3550 §12.1 (SR–APP), RFC 4585 §6.1 (RTPFB, PSFB). */
export const RtcpType = { SR: 200, RR: 201, SDES: 202, BYE: 203, APP: 204, RTPFB: 205, PSFB: 206 } as const;

/** Feedback message types (the FMT in the count field). */
export const RtpfbFmt = { NACK: 1, TWCC: 15 } as const; // RFC 4585 §6.2.1; draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1
export const PsfbFmt = { PLI: 1, FIR: 4, AFB: 15 } as const; // RFC 4585 §6.3.1; RFC 5104 §4.3.1; RFC 4585 §6.4 (REMB rides on AFB)

/** RFC 3550 §6.4.1: every RTCP packet starts with V=2, P, a 5-bit count, the type and a length in words − 1. */
export const RTCP_HEADER_LENGTH = 4;

/**
 * Allocates a packet of `bodyLength` bytes after the common header (which must be a multiple of 4) and fills the
 * header in.
 */
export function allocRtcp(type: number, count: number, bodyLength: number): Buffer {
  if (count < 0 || count > 31) throw new RangeError(`an RTCP count field holds 0–31, got ${count}`);
  if (bodyLength % 4 !== 0) throw new RangeError('an RTCP packet is a whole number of 32-bit words');
  const words = (RTCP_HEADER_LENGTH + bodyLength) / 4 - 1;
  if (words > 0xffff) throw new RangeError('RTCP packet too long');
  const out = Buffer.alloc(RTCP_HEADER_LENGTH + bodyLength);
  out[0] = 0x80 | count;
  out[1] = type;
  out.writeUInt16BE(words, 2);
  return out;
}

export function requireLength(body: Buffer, length: number, what: string): void {
  if (body.length < length) throw new MediaDecodeError('BAD_LENGTH', `${what} needs ${length} bytes, the packet has ${body.length}`);
}

export function checkUint32(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new RangeError(`${name} ${value} is not a 32-bit unsigned integer`);
}
