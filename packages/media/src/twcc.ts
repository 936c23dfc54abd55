import { MediaDecodeError } from './errors.ts';
import { RtcpType, RtpfbFmt, allocRtcp, checkUint32 } from './rtcp-common.ts';
import { addSeq } from './seq.ts';

/**
 * Transport-wide congestion control feedback, draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.
 * `deltaUs` is absent for a packet not received; otherwise the receive time minus the previous received packet's
 * (the first one: minus the reference time), in microseconds, a multiple of 250 (§3.1.5).
 */
export interface TwccPacketFeedback {
  sequenceNumber: number;
  deltaUs?: number;
}

export interface RtcpTwcc {
  type: 'twcc';
  senderSsrc: number;
  mediaSsrc: number;
  baseSequenceNumber: number;
  /** 24-bit reference time in multiples of 64 ms (§3.1). */
  referenceTime: number;
  /** Feedback packet count, 8 bits, so the sender can detect lost feedback (§3.1). */
  feedbackPacketCount: number;
  packets: TwccPacketFeedback[];
}

/** §3.1.1 packet status symbols. */
const NOT_RECEIVED = 0;
const SMALL_DELTA = 1; // 1-byte unsigned delta, 0–63.75 ms
const LARGE_DELTA = 2; // 2-byte signed delta
const RESERVED = 3;
/** §3.1.5: deltas count 250 µs ticks. */
const TICK_US = 250;
/** §3.1.3: a run-length chunk's length is 13 bits. */
const MAX_RUN = 0x1fff;

export function parseTwcc(body: Buffer): RtcpTwcc {
  if (body.length < 16) throw new MediaDecodeError('BAD_FEEDBACK', 'a transport-wide CC feedback FCI is at least 8 bytes');
  const base = body.readUInt16BE(8);
  const count = body.readUInt16BE(10);
  const symbols: number[] = [];
  let at = 16;
  while (symbols.length < count) {
    if (at + 2 > body.length) throw new MediaDecodeError('BAD_FEEDBACK', `packet chunks end after ${symbols.length} of ${count} statuses`);
    const chunk = body.readUInt16BE(at);
    at += 2;
    const left = count - symbols.length;
    if ((chunk & 0x8000) === 0) {
      // §3.1.3 run-length chunk: T=0, S (2 bits), run length (13 bits).
      const symbol = (chunk >> 13) & 0x03;
      const run = Math.min(chunk & MAX_RUN, left);
      for (let i = 0; i < run; i++) symbols.push(symbol);
    } else if ((chunk & 0x4000) === 0) {
      // §3.1.4 status vector chunk, S=0: fourteen 1-bit symbols (received-small-delta or not).
      for (let j = 0; j < 14 && j < left; j++) symbols.push((chunk >> (13 - j)) & 0x01);
    } else {
      // §3.1.4 status vector chunk, S=1: seven 2-bit symbols.
      for (let j = 0; j < 7 && j < left; j++) symbols.push((chunk >> (12 - 2 * j)) & 0x03);
    }
  }
  const packets: TwccPacketFeedback[] = [];
  symbols.forEach((symbol, i) => {
    const packet: TwccPacketFeedback = { sequenceNumber: addSeq(base, i) };
    if (symbol === RESERVED) throw new MediaDecodeError('BAD_FEEDBACK', `packet status symbol 11 is reserved (§3.1.1), at packet ${i}`);
    if (symbol === SMALL_DELTA) {
      if (at + 1 > body.length) throw new MediaDecodeError('BAD_FEEDBACK', `receive delta ${i} past the end`);
      packet.deltaUs = (body[at] as number) * TICK_US;
      at += 1;
    } else if (symbol === LARGE_DELTA) {
      if (at + 2 > body.length) throw new MediaDecodeError('BAD_FEEDBACK', `receive delta ${i} past the end`);
      packet.deltaUs = body.readInt16BE(at) * TICK_US;
      at += 2;
    }
    packets.push(packet);
  });
  return {
    type: 'twcc',
    senderSsrc: body.readUInt32BE(0),
    mediaSsrc: body.readUInt32BE(4),
    baseSequenceNumber: base,
    referenceTime: body.readUIntBE(12, 3),
    feedbackPacketCount: body[15] as number,
    packets,
  };
}

function symbolOf(p: TwccPacketFeedback): { symbol: number; ticks: number } {
  if (p.deltaUs === undefined) return { symbol: NOT_RECEIVED, ticks: 0 };
  const ticks = Math.round(p.deltaUs / TICK_US);
  if (ticks >= 0 && ticks <= 0xff) return { symbol: SMALL_DELTA, ticks };
  if (ticks >= -0x8000 && ticks <= 0x7fff) return { symbol: LARGE_DELTA, ticks };
  throw new RangeError(`receive delta ${p.deltaUs} µs does not fit 16 bits of 250 µs ticks; start a new feedback packet`);
}

/** Greedy chunking: long runs as run-length chunks, mixed stretches as 1-bit or 2-bit status vectors. */
function encodeChunks(symbols: readonly number[]): number[] {
  const chunks: number[] = [];
  let i = 0;
  while (i < symbols.length) {
    const first = symbols[i] as number;
    let run = 1;
    while (i + run < symbols.length && symbols[i + run] === first && run < MAX_RUN) run++;
    const window = symbols.slice(i, i + 14);
    if (run >= 14 || (run >= 7 && window.includes(LARGE_DELTA))) {
      chunks.push((first << 13) | run);
      i += run;
    } else if (!window.includes(LARGE_DELTA)) {
      let chunk = 0x8000;
      window.forEach((s, j) => (chunk |= s << (13 - j)));
      chunks.push(chunk);
      i += 14;
    } else {
      let chunk = 0xc000;
      symbols.slice(i, i + 7).forEach((s, j) => (chunk |= s << (12 - 2 * j)));
      chunks.push(chunk);
      i += 7;
    }
  }
  return chunks;
}

export function serializeTwcc(twcc: RtcpTwcc): Buffer {
  if (twcc.packets.length > 0xffff) throw new RangeError('a transport-wide CC feedback covers at most 65535 packets');
  twcc.packets.forEach((p, i) => {
    if (p.sequenceNumber !== addSeq(twcc.baseSequenceNumber, i)) throw new RangeError(`feedback packet ${i} must be base sequence number + ${i}`);
  });
  const coded = twcc.packets.map(symbolOf);
  const chunks = encodeChunks(coded.map((c) => c.symbol));
  const deltaBytes = coded.reduce((n, c) => n + (c.symbol === SMALL_DELTA ? 1 : c.symbol === LARGE_DELTA ? 2 : 0), 0);
  const fciLength = 8 + chunks.length * 2 + deltaBytes;
  const out = allocRtcp(RtcpType.RTPFB, RtpfbFmt.TWCC, 8 + Math.ceil(fciLength / 4) * 4);
  checkUint32('TWCC sender SSRC', twcc.senderSsrc);
  checkUint32('TWCC media SSRC', twcc.mediaSsrc);
  out.writeUInt32BE(twcc.senderSsrc, 4);
  out.writeUInt32BE(twcc.mediaSsrc, 8);
  out.writeUInt16BE(twcc.baseSequenceNumber & 0xffff, 12);
  out.writeUInt16BE(twcc.packets.length, 14);
  out.writeUIntBE(twcc.referenceTime & 0xff_ffff, 16, 3);
  out[19] = twcc.feedbackPacketCount & 0xff;
  let at = 20;
  for (const chunk of chunks) {
    out.writeUInt16BE(chunk, at);
    at += 2;
  }
  for (const c of coded) {
    if (c.symbol === SMALL_DELTA) out[at++] = c.ticks;
    else if (c.symbol === LARGE_DELTA) {
      out.writeInt16BE(c.ticks, at);
      at += 2;
    }
  }
  // §3.1 ends the FCI with zero padding to a word boundary; like libwebrtc we also set the P bit and the count
  // (RFC 3550 §6.4.1) so that parsers that trust the length alone stop at the deltas.
  const padding = out.length - at;
  if (padding > 0) {
    out[0] = (out[0] as number) | 0x20;
    out[out.length - 1] = padding;
  }
  return out;
}
