import { MediaDecodeError } from './errors.ts';
import { PsfbFmt, RtcpType, RtpfbFmt, allocRtcp, checkUint32 } from './rtcp-common.ts';
import { addSeq, seqDiff } from './seq.ts';

/** RFC 4585 §6.2.1: generic NACK, expanded to the list of lost sequence numbers. */
export interface RtcpNack {
  type: 'nack';
  senderSsrc: number;
  mediaSsrc: number;
  lost: number[];
}

/** RFC 4585 §6.3.1: Picture Loss Indication. */
export interface RtcpPli {
  type: 'pli';
  senderSsrc: number;
  mediaSsrc: number;
}

/** RFC 5104 §4.3.1: Full Intra Request; one entry per media sender asked for a decoder refresh. */
export interface RtcpFir {
  type: 'fir';
  senderSsrc: number;
  entries: { ssrc: number; sequenceNumber: number }[];
}

/** draft-alvestrand-rmcat-remb-03 §2.2: Receiver Estimated Maximum Bitrate. */
export interface RtcpRemb {
  type: 'remb';
  senderSsrc: number;
  bitrateBps: number;
  ssrcs: number[];
}

/** RFC 4585 §6.1: sender SSRC and media source SSRC start every feedback message. */
const FEEDBACK_HEADER = 8;

function writeFeedbackHeader(out: Buffer, senderSsrc: number, mediaSsrc: number): void {
  checkUint32('feedback sender SSRC', senderSsrc);
  checkUint32('feedback media SSRC', mediaSsrc);
  out.writeUInt32BE(senderSsrc, 4);
  out.writeUInt32BE(mediaSsrc, 8);
}

/** Each FCI entry is PID (first lost) + BLP (bit i set: PID + i + 1 lost too). */
export function parseNack(body: Buffer): RtcpNack {
  const fci = body.subarray(FEEDBACK_HEADER);
  // RFC 4585 §6.2.1: "The FCI field MUST contain at least one and MAY contain more than one Generic NACK."
  if (fci.length === 0 || fci.length % 4 !== 0) throw new MediaDecodeError('BAD_FEEDBACK', `a NACK FCI is a non-empty multiple of 4 bytes, got ${fci.length}`);
  const lost: number[] = [];
  for (let at = 0; at < fci.length; at += 4) {
    const pid = fci.readUInt16BE(at);
    const blp = fci.readUInt16BE(at + 2);
    lost.push(pid);
    for (let bit = 0; bit < 16; bit++) if (blp & (1 << bit)) lost.push(addSeq(pid, bit + 1));
  }
  return { type: 'nack', senderSsrc: body.readUInt32BE(0), mediaSsrc: body.readUInt32BE(4), lost };
}

/**
 * Packs lost sequence numbers into as few PID+BLP pairs as a greedy pass allows. Numbers are ordered relative to the
 * first one with wraparound (so 65535, 0, 1 is one run); duplicates collapse.
 */
export function compressNack(lost: readonly number[]): { pid: number; blp: number }[] {
  const first = lost[0];
  if (first === undefined) return [];
  const unwrapped = [...new Set(lost.map((s) => first + seqDiff(s & 0xffff, first)))].sort((a, b) => a - b);
  const pairs: { pid: number; blp: number }[] = [];
  let current: { pid: number; blp: number; base: number } | undefined;
  for (const u of unwrapped) {
    if (current && u - current.base <= 16) current.blp |= 1 << (u - current.base - 1);
    else {
      if (current) pairs.push({ pid: current.pid, blp: current.blp });
      current = { pid: addSeq(u, 0), blp: 0, base: u };
    }
  }
  if (current) pairs.push({ pid: current.pid, blp: current.blp });
  return pairs;
}

export function serializeNack(nack: RtcpNack): Buffer {
  const pairs = compressNack(nack.lost);
  if (pairs.length === 0) throw new RangeError('a NACK must name at least one lost packet (RFC 4585 §6.2.1)');
  const out = allocRtcp(RtcpType.RTPFB, RtpfbFmt.NACK, FEEDBACK_HEADER + pairs.length * 4);
  writeFeedbackHeader(out, nack.senderSsrc, nack.mediaSsrc);
  pairs.forEach((p, i) => {
    out.writeUInt16BE(p.pid, 12 + i * 4);
    out.writeUInt16BE(p.blp, 14 + i * 4);
  });
  return out;
}

export function parsePli(body: Buffer): RtcpPli {
  return { type: 'pli', senderSsrc: body.readUInt32BE(0), mediaSsrc: body.readUInt32BE(4) };
}

/** RFC 4585 §6.3.1: "PLI does not require parameters. Therefore, the length field MUST be 2". */
export function serializePli(pli: RtcpPli): Buffer {
  const out = allocRtcp(RtcpType.PSFB, PsfbFmt.PLI, FEEDBACK_HEADER);
  writeFeedbackHeader(out, pli.senderSsrc, pli.mediaSsrc);
  return out;
}

/** RFC 5104 §4.3.1.1: FCI entries of SSRC (4), command sequence number (1), reserved (3). */
export function parseFir(body: Buffer): RtcpFir {
  const fci = body.subarray(FEEDBACK_HEADER);
  if (fci.length === 0 || fci.length % 8 !== 0) throw new MediaDecodeError('BAD_FEEDBACK', `a FIR FCI is a non-empty multiple of 8 bytes, got ${fci.length}`);
  const entries: RtcpFir['entries'] = [];
  for (let at = 0; at < fci.length; at += 8) entries.push({ ssrc: fci.readUInt32BE(at), sequenceNumber: fci[at + 4] as number });
  return { type: 'fir', senderSsrc: body.readUInt32BE(0), entries };
}

export function serializeFir(fir: RtcpFir): Buffer {
  if (fir.entries.length === 0) throw new RangeError('a FIR names at least one media sender');
  const out = allocRtcp(RtcpType.PSFB, PsfbFmt.FIR, FEEDBACK_HEADER + fir.entries.length * 8);
  // RFC 5104 §4.3.1.2: "the 'SSRC of media source' is not used and SHALL be set to 0".
  writeFeedbackHeader(out, fir.senderSsrc, 0);
  fir.entries.forEach((e, i) => {
    checkUint32('FIR SSRC', e.ssrc);
    out.writeUInt32BE(e.ssrc, 12 + i * 8);
    out[16 + i * 8] = e.sequenceNumber & 0xff;
  });
  return out;
}

const REMB_ID = Buffer.from('REMB', 'ascii');

/** True when an application-layer feedback body (PSFB FMT 15) is a REMB. */
export function isRemb(body: Buffer): boolean {
  return body.length >= FEEDBACK_HEADER + 4 && body.subarray(FEEDBACK_HEADER, FEEDBACK_HEADER + 4).equals(REMB_ID);
}

/** FCI: 'REMB', Num SSRC (8 bits), BR Exp (6), BR Mantissa (18), then Num SSRC SSRCs. */
export function parseRemb(body: Buffer): RtcpRemb {
  const fci = body.subarray(FEEDBACK_HEADER);
  if (fci.length < 8) throw new MediaDecodeError('BAD_FEEDBACK', 'a REMB FCI is at least 8 bytes');
  const count = fci[4] as number;
  if (fci.length < 8 + count * 4) throw new MediaDecodeError('BAD_FEEDBACK', `a REMB announces ${count} SSRCs past the end`);
  const exp = (fci[5] as number) >> 2;
  const mantissa = (((fci[5] as number) & 0x03) << 16) | fci.readUInt16BE(6);
  const ssrcs: number[] = [];
  for (let i = 0; i < count; i++) ssrcs.push(fci.readUInt32BE(8 + i * 4));
  return { type: 'remb', senderSsrc: body.readUInt32BE(0), bitrateBps: mantissa * 2 ** exp, ssrcs };
}

export function serializeRemb(remb: RtcpRemb): Buffer {
  if (!(remb.bitrateBps >= 0) || !Number.isFinite(remb.bitrateBps)) throw new RangeError(`REMB bitrate ${remb.bitrateBps} is not a finite non-negative number`);
  if (remb.ssrcs.length > 255) throw new RangeError('a REMB names at most 255 SSRCs');
  // The largest exponent-free mantissa that fits 18 bits; the value is rounded down, never up (the receiver's cap).
  let exp = 0;
  let bitrate = Math.floor(remb.bitrateBps);
  while (bitrate >= 0x4_0000) {
    bitrate = Math.floor(bitrate / 2);
    exp++;
  }
  if (exp > 63) throw new RangeError('REMB bitrate too large');
  const out = allocRtcp(RtcpType.PSFB, PsfbFmt.AFB, FEEDBACK_HEADER + 8 + remb.ssrcs.length * 4);
  // draft-alvestrand-rmcat-remb-03 §2.2: the media source SSRC is 0; the SSRCs the estimate applies to follow.
  writeFeedbackHeader(out, remb.senderSsrc, 0);
  REMB_ID.copy(out, 12);
  out[16] = remb.ssrcs.length;
  out[17] = (exp << 2) | (bitrate >> 16);
  out.writeUInt16BE(bitrate & 0xffff, 18);
  remb.ssrcs.forEach((ssrc, i) => {
    checkUint32('REMB SSRC', ssrc);
    out.writeUInt32BE(ssrc, 20 + i * 4);
  });
  return out;
}
