import { ONE_BYTE_PROFILE, isTwoByteProfile } from '../rtp-extensions.ts';

/**
 * Where extension `id`'s data starts in a clear RTP packet (RFC 8285 §4.2 one-byte or §4.3 two-byte form), or -1.
 * No allocation: this runs for every packet received. The data length is `extensionLength(packet, offset)`.
 * A malformed block yields -1 for everything after the damage, never an exception.
 */
export function findExtension(packet: Buffer, id: number): number {
  const b0 = packet[0] as number;
  if ((b0 & 0x10) === 0) return -1;
  const start = 12 + (b0 & 0x0f) * 4;
  if (packet.length < start + 4) return -1;
  const profile = packet.readUInt16BE(start);
  const end = start + 4 + packet.readUInt16BE(start + 2) * 4;
  if (end > packet.length) return -1;
  let i = start + 4;
  if (profile === ONE_BYTE_PROFILE) {
    while (i < end) {
      const b = packet[i] as number;
      const elementId = b >> 4;
      if (elementId === 0) {
        i++;
        continue;
      }
      if (elementId === 15) return -1;
      const length = (b & 0x0f) + 1;
      if (i + 1 + length > end) return -1;
      if (elementId === id) return i + 1;
      i += 1 + length;
    }
    return -1;
  }
  if (isTwoByteProfile(profile)) {
    while (i < end) {
      const elementId = packet[i] as number;
      if (elementId === 0) {
        i++;
        continue;
      }
      if (i + 2 > end) return -1;
      const length = packet[i + 1] as number;
      if (i + 2 + length > end) return -1;
      if (elementId === id) return i + 2;
      i += 2 + length;
    }
  }
  return -1;
}

/** The data length of the element whose data starts at `offset` (as returned by findExtension). */
export function extensionLength(packet: Buffer, offset: number): number {
  const b0 = packet[0] as number;
  const profile = packet.readUInt16BE(12 + (b0 & 0x0f) * 4);
  return profile === ONE_BYTE_PROFILE ? ((packet[offset - 1] as number) & 0x0f) + 1 : (packet[offset - 1] as number);
}

/** An SDES item carried in an extension (mid, rid: RFC 8843 §15, RFC 8852 §3), as ASCII text, or undefined. */
export function extensionText(packet: Buffer, id: number | undefined): string | undefined {
  if (id === undefined) return undefined;
  const at = findExtension(packet, id);
  if (at < 0) return undefined;
  const length = extensionLength(packet, at);
  return packet.toString('latin1', at, at + length).replace(/\0+$/, '');
}
