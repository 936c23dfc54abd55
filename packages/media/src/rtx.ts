import { MediaDecodeError } from './errors.ts';
import { parseRtp, serializeRtp } from './rtp.ts';

export interface RtxStream {
  ssrc: number;
  payloadType: number;
}

/**
 * RFC 4588 §4: a retransmission carries the original sequence number (OSN) in its first two payload octets, on the
 * RTX stream's own SSRC, payload type and sequence numbers; timestamp, marker, CSRCs and header extensions are the
 * original's. Padding is not carried over. Returns a new buffer; the cached original is untouched.
 */
export function wrapRtx(original: Uint8Array, rtx: RtxStream & { sequenceNumber: number }): Buffer {
  const p = parseRtp(original);
  const payload = Buffer.alloc(2 + p.payload.length);
  payload.writeUInt16BE(p.sequenceNumber, 0);
  p.payload.copy(payload, 2);
  return serializeRtp({ ...p, ssrc: rtx.ssrc, payloadType: rtx.payloadType, sequenceNumber: rtx.sequenceNumber, paddingLength: 0, payload });
}

/** Restores the original packet from an RTX packet, given the original stream's SSRC and payload type (from SDP). */
export function unwrapRtx(packet: Uint8Array, original: RtxStream): Buffer {
  const p = parseRtp(packet);
  // RFC 4588 §4: an RTX packet without the OSN is malformed (padding-only probes have already been stripped).
  if (p.payload.length < 2) throw new MediaDecodeError('TRUNCATED', `an RTX payload starts with a 2-byte OSN, got ${p.payload.length} bytes`);
  return serializeRtp({
    ...p, ssrc: original.ssrc, payloadType: original.payloadType, sequenceNumber: p.payload.readUInt16BE(0), paddingLength: 0, payload: p.payload.subarray(2),
  });
}
