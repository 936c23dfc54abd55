import { MediaDecodeError, asBuffer } from './errors.ts';
import { PsfbFmt, RTCP_HEADER_LENGTH, RtcpType, RtpfbFmt } from './rtcp-common.ts';
import {
  type RtcpFir, type RtcpNack, type RtcpPli, type RtcpRemb, isRemb, parseFir, parseNack, parsePli, parseRemb, serializeFir,
  serializeNack, serializePli, serializeRemb,
} from './rtcp-feedback.ts';
import {
  type RtcpBye, type RtcpReceiverReport, type RtcpSenderReport, type RtcpSourceDescription, parseBye, parseReceiverReport,
  parseSenderReport, parseSourceDescription, serializeBye, serializeReceiverReport, serializeSenderReport,
  serializeSourceDescription,
} from './rtcp-reports.ts';
import { type RtcpTwcc, parseTwcc, serializeTwcc } from './twcc.ts';

export type RtcpPacket =
  | RtcpSenderReport
  | RtcpReceiverReport
  | RtcpSourceDescription
  | RtcpBye
  | RtcpNack
  | RtcpPli
  | RtcpFir
  | RtcpRemb
  | RtcpTwcc;

export interface RtcpParseResult {
  packets: RtcpPacket[];
  /** Packets of types or FMTs this codec does not model (APP, XR, other feedback), skipped whole. */
  skipped: number;
}

/** Parses one packet's body by type; undefined for types and FMTs we skip. */
function parseOne(type: number, count: number, body: Buffer): RtcpPacket | undefined {
  switch (type) {
    case RtcpType.SR:
      return parseSenderReport(count, body);
    case RtcpType.RR:
      return parseReceiverReport(count, body);
    case RtcpType.SDES:
      return parseSourceDescription(count, body);
    case RtcpType.BYE:
      return parseBye(count, body);
    case RtcpType.RTPFB:
    case RtcpType.PSFB:
      // RFC 4585 §6.1: every feedback message starts with the sender and media source SSRCs.
      if (body.length < 8) throw new MediaDecodeError('BAD_LENGTH', `a feedback message is at least 12 bytes, got ${body.length + 4}`);
      if (type === RtcpType.RTPFB) {
        if (count === RtpfbFmt.NACK) return parseNack(body);
        if (count === RtpfbFmt.TWCC) return parseTwcc(body);
        return undefined;
      }
      if (count === PsfbFmt.PLI) return parsePli(body);
      if (count === PsfbFmt.FIR) return parseFir(body);
      if (count === PsfbFmt.AFB && isRemb(body)) return parseRemb(body);
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Parses a compound RTCP packet (RFC 3550 §6.1), or a reduced-size one (RFC 5506 §3). Every packet must have
 * version 2 and a length that fits; a malformed packet anywhere rejects the whole compound, since its framing can
 * no longer be trusted.
 */
export function parseRtcp(bytes: Uint8Array): RtcpParseResult {
  const buf = asBuffer(bytes);
  if (buf.length < RTCP_HEADER_LENGTH) throw new MediaDecodeError('TRUNCATED', `an RTCP header is 4 bytes, got ${buf.length}`);
  const result: RtcpParseResult = { packets: [], skipped: 0 };
  let at = 0;
  while (at < buf.length) {
    if (buf.length - at < RTCP_HEADER_LENGTH) throw new MediaDecodeError('TRUNCATED', `${buf.length - at} stray bytes after the last RTCP packet`);
    const b0 = buf[at] as number;
    if (b0 >> 6 !== 2) throw new MediaDecodeError('BAD_VERSION', `RTCP version ${b0 >> 6} at offset ${at}, expected 2`);
    const type = buf[at + 1] as number;
    const length = (buf.readUInt16BE(at + 2) + 1) * 4; // RFC 3550 §6.4.1: words minus one, header included
    if (at + length > buf.length) throw new MediaDecodeError('TRUNCATED', `RTCP packet of ${length} bytes at offset ${at} overruns the ${buf.length}-byte datagram`);
    let end = at + length;
    if (b0 & 0x20) {
      // RFC 3550 §6.4.1: the last octet counts the padding, itself included.
      const padding = buf[end - 1] as number;
      if (padding === 0 || padding > length - RTCP_HEADER_LENGTH) throw new MediaDecodeError('BAD_PADDING', `RTCP padding count ${padding} in a ${length}-byte packet`);
      end -= padding;
    }
    const packet = parseOne(type, b0 & 0x1f, buf.subarray(at + RTCP_HEADER_LENGTH, end));
    if (packet) result.packets.push(packet);
    else result.skipped++;
    at += length;
  }
  return result;
}

export function serializeRtcpPacket(packet: RtcpPacket): Buffer {
  switch (packet.type) {
    case 'sr':
      return serializeSenderReport(packet);
    case 'rr':
      return serializeReceiverReport(packet);
    case 'sdes':
      return serializeSourceDescription(packet);
    case 'bye':
      return serializeBye(packet);
    case 'nack':
      return serializeNack(packet);
    case 'pli':
      return serializePli(packet);
    case 'fir':
      return serializeFir(packet);
    case 'remb':
      return serializeRemb(packet);
    case 'twcc':
      return serializeTwcc(packet);
  }
}

/** Serializes packets back to back as one compound packet (RFC 3550 §6.1). The order is the caller's. */
export function serializeRtcp(packets: readonly RtcpPacket[]): Buffer {
  return Buffer.concat(packets.map(serializeRtcpPacket));
}
