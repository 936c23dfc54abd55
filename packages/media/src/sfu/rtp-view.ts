import { ONE_BYTE_PROFILE, isTwoByteProfile } from '../rtp-extensions.ts';
import { RTP_HEADER_LENGTH, RTP_VERSION } from '../rtp.ts';

/**
 * The fields of one RTP packet, read in place. The forwarding path fills one of these per packet and reuses it, so
 * a packet costs no parse objects (`parseRtp` builds a Map and subarrays: fine for tests and control paths).
 */
export interface RtpView {
  ssrc: number;
  sequenceNumber: number;
  timestamp: number;
  payloadType: number;
  marker: boolean;
  csrcCount: number;
  /** The RFC 8285 "defined by profile" value (RFC 3550 §5.3.1), or -1 without an extension. */
  extensionProfile: number;
  /** Where the extension elements start and end (after the 4-byte extension header); both -1 without one. */
  extensionStart: number;
  extensionEnd: number;
  payloadOffset: number;
  /** Where the payload ends: the packet length minus padding (RFC 3550 §5.1). */
  payloadEnd: number;
}

export function newRtpView(): RtpView {
  return {
    ssrc: 0, sequenceNumber: 0, timestamp: 0, payloadType: 0, marker: false, csrcCount: 0,
    extensionProfile: -1, extensionStart: -1, extensionEnd: -1, payloadOffset: 0, payloadEnd: 0,
  };
}

/** Fills `view` from `buf`; false (view partly filled) when the packet is not well-formed RTP. Never throws. */
export function readRtpView(buf: Buffer, view: RtpView): boolean {
  const length = buf.length;
  if (length < RTP_HEADER_LENGTH) return false;
  const b0 = buf[0] as number;
  if (b0 >> 6 !== RTP_VERSION) return false;
  const b1 = buf[1] as number;
  const csrcCount = b0 & 0x0f;
  let offset = RTP_HEADER_LENGTH + csrcCount * 4;
  if (length < offset) return false;
  view.extensionProfile = -1;
  view.extensionStart = -1;
  view.extensionEnd = -1;
  if (b0 & 0x10) {
    if (length < offset + 4) return false;
    const end = offset + 4 + (((buf[offset + 2] as number) << 8) | (buf[offset + 3] as number)) * 4;
    if (length < end) return false;
    view.extensionProfile = ((buf[offset] as number) << 8) | (buf[offset + 1] as number);
    view.extensionStart = offset + 4;
    view.extensionEnd = end;
    offset = end;
  }
  let payloadEnd = length;
  if (b0 & 0x20) {
    // RFC 3550 §5.1: the last octet counts the padding, itself included; 0 or more than the payload is malformed.
    const padding = length > offset ? (buf[length - 1] as number) : 0;
    if (padding === 0 || offset + padding > length) return false;
    payloadEnd = length - padding;
  }
  view.marker = (b1 & 0x80) !== 0;
  view.payloadType = b1 & 0x7f;
  view.sequenceNumber = ((buf[2] as number) << 8) | (buf[3] as number);
  view.timestamp = buf.readUInt32BE(4);
  view.ssrc = buf.readUInt32BE(8);
  view.csrcCount = csrcCount;
  view.payloadOffset = offset;
  view.payloadEnd = payloadEnd;
  return true;
}

/**
 * Where the data of extension element `id` start (RFC 8285 §4.2 one-byte, §4.3 two-byte form), or -1 when absent,
 * of another length than `length`, or behind a malformed element.
 */
export function findExtensionData(buf: Buffer, view: RtpView, id: number, length: number): number {
  const end = view.extensionEnd;
  let i = view.extensionStart;
  if (i < 0) return -1;
  if (view.extensionProfile === ONE_BYTE_PROFILE) {
    while (i < end) {
      const b = buf[i] as number;
      const elementId = b >> 4;
      if (elementId === 0) {
        i++; // RFC 8285 §4.2: padding byte
        continue;
      }
      if (elementId === 15) return -1; // RFC 8285 §4.2: reserved, stop processing
      const size = (b & 0x0f) + 1;
      if (i + 1 + size > end) return -1;
      if (elementId === id) return size === length ? i + 1 : -1;
      i += 1 + size;
    }
    return -1;
  }
  if (!isTwoByteProfile(view.extensionProfile)) return -1;
  while (i < end) {
    const elementId = buf[i] as number;
    if (elementId === 0) {
      i++;
      continue;
    }
    if (i + 2 > end) return -1;
    const size = buf[i + 1] as number;
    if (i + 2 + size > end) return -1;
    if (elementId === id) return size === length ? i + 2 : -1;
    i += 2 + size;
  }
  return -1;
}
