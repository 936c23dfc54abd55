import { MediaDecodeError } from './errors.ts';
import { RtcpType, allocRtcp, checkUint32, requireLength } from './rtcp-common.ts';

/** RFC 3550 §6.4.1: one reception report block, 24 bytes. */
export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the last report, as a fixed-point number over 256. */
  fractionLost: number;
  /** Cumulative number of packets lost: signed 24 bits (duplicates can make it negative). */
  cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | highest). */
  highestSequence: number;
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received (LSR). */
  lastSr: number;
  /** Delay since that SR, in units of 1/65536 s (DLSR). */
  delaySinceLastSr: number;
}

export interface RtcpSenderReport {
  type: 'sr';
  ssrc: number;
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: ReportBlock[];
}

export interface RtcpReceiverReport {
  type: 'rr';
  ssrc: number;
  reports: ReportBlock[];
}

/** RFC 3550 §6.5: SDES item types. CNAME is the one WebRTC requires (RFC 7022). */
export const SdesItem = { END: 0, CNAME: 1, NAME: 2, EMAIL: 3, PHONE: 4, LOC: 5, TOOL: 6, NOTE: 7, PRIV: 8 } as const;

export interface SdesChunk {
  ssrc: number;
  items: { type: number; text: string }[];
}

export interface RtcpSourceDescription {
  type: 'sdes';
  chunks: SdesChunk[];
}

export interface RtcpBye {
  type: 'bye';
  ssrcs: number[];
  reason?: string;
}

const REPORT_BLOCK_LENGTH = 24;

function parseReportBlocks(body: Buffer, at: number, count: number): ReportBlock[] {
  const reports: ReportBlock[] = [];
  for (let i = 0; i < count; i++, at += REPORT_BLOCK_LENGTH) {
    reports.push({
      ssrc: body.readUInt32BE(at),
      fractionLost: body[at + 4] as number,
      cumulativeLost: body.readIntBE(at + 5, 3),
      highestSequence: body.readUInt32BE(at + 8),
      jitter: body.readUInt32BE(at + 12),
      lastSr: body.readUInt32BE(at + 16),
      delaySinceLastSr: body.readUInt32BE(at + 20),
    });
  }
  return reports;
}

function writeReportBlocks(out: Buffer, at: number, reports: readonly ReportBlock[]): void {
  for (const r of reports) {
    checkUint32('report block SSRC', r.ssrc);
    out.writeUInt32BE(r.ssrc, at);
    out[at + 4] = r.fractionLost & 0xff;
    // RFC 3550 §6.4.1: clamp rather than wrap a cumulative loss outside the signed 24-bit range.
    out.writeIntBE(Math.max(-0x80_0000, Math.min(0x7f_ffff, r.cumulativeLost)), at + 5, 3);
    out.writeUInt32BE(r.highestSequence >>> 0, at + 8);
    out.writeUInt32BE(r.jitter >>> 0, at + 12);
    out.writeUInt32BE(r.lastSr >>> 0, at + 16);
    out.writeUInt32BE(r.delaySinceLastSr >>> 0, at + 20);
    at += REPORT_BLOCK_LENGTH;
  }
}

export function parseSenderReport(count: number, body: Buffer): RtcpSenderReport {
  requireLength(body, 24 + count * REPORT_BLOCK_LENGTH, `an SR with ${count} report blocks`);
  return {
    type: 'sr',
    ssrc: body.readUInt32BE(0),
    ntpSeconds: body.readUInt32BE(4),
    ntpFraction: body.readUInt32BE(8),
    rtpTimestamp: body.readUInt32BE(12),
    packetCount: body.readUInt32BE(16),
    octetCount: body.readUInt32BE(20),
    reports: parseReportBlocks(body, 24, count),
  };
}

export function serializeSenderReport(sr: RtcpSenderReport): Buffer {
  const out = allocRtcp(RtcpType.SR, sr.reports.length, 24 + sr.reports.length * REPORT_BLOCK_LENGTH);
  checkUint32('SR SSRC', sr.ssrc);
  out.writeUInt32BE(sr.ssrc, 4);
  out.writeUInt32BE(sr.ntpSeconds >>> 0, 8);
  out.writeUInt32BE(sr.ntpFraction >>> 0, 12);
  out.writeUInt32BE(sr.rtpTimestamp >>> 0, 16);
  out.writeUInt32BE(sr.packetCount >>> 0, 20);
  out.writeUInt32BE(sr.octetCount >>> 0, 24);
  writeReportBlocks(out, 28, sr.reports);
  return out;
}

export function parseReceiverReport(count: number, body: Buffer): RtcpReceiverReport {
  requireLength(body, 4 + count * REPORT_BLOCK_LENGTH, `an RR with ${count} report blocks`);
  return { type: 'rr', ssrc: body.readUInt32BE(0), reports: parseReportBlocks(body, 4, count) };
}

export function serializeReceiverReport(rr: RtcpReceiverReport): Buffer {
  const out = allocRtcp(RtcpType.RR, rr.reports.length, 4 + rr.reports.length * REPORT_BLOCK_LENGTH);
  checkUint32('RR SSRC', rr.ssrc);
  out.writeUInt32BE(rr.ssrc, 4);
  writeReportBlocks(out, 8, rr.reports);
  return out;
}

/** RFC 3550 §6.5: chunks of SSRC + items, each chunk ended by a null item and padded to a 32-bit boundary. */
export function parseSourceDescription(count: number, body: Buffer): RtcpSourceDescription {
  const chunks: SdesChunk[] = [];
  let at = 0;
  for (let c = 0; c < count; c++) {
    requireLength(body, at + 4, `SDES chunk ${c}`);
    const chunk: SdesChunk = { ssrc: body.readUInt32BE(at), items: [] };
    at += 4;
    for (;;) {
      const type = body[at];
      if (type === undefined) throw new MediaDecodeError('BAD_LENGTH', `SDES chunk ${c} has no terminating null item`);
      if (type === SdesItem.END) break;
      const length = body[at + 1];
      if (length === undefined || at + 2 + length > body.length) throw new MediaDecodeError('BAD_LENGTH', `SDES item ${type} overruns the packet`);
      chunk.items.push({ type, text: body.toString('utf8', at + 2, at + 2 + length) });
      at += 2 + length;
    }
    at = (Math.floor(at / 4) + 1) * 4; // the null octet(s) up to the next word boundary
    if (at > body.length) throw new MediaDecodeError('BAD_LENGTH', `SDES chunk ${c} padding overruns the packet`);
    chunks.push(chunk);
  }
  return { type: 'sdes', chunks };
}

export function serializeSourceDescription(sdes: RtcpSourceDescription): Buffer {
  const encoded = sdes.chunks.map((chunk) => {
    const items = chunk.items.map((item) => {
      const text = Buffer.from(item.text, 'utf8');
      if (text.length > 255) throw new RangeError(`SDES item ${item.type} is longer than 255 bytes`);
      if (item.type < 1 || item.type > 255) throw new RangeError(`SDES item type ${item.type} is outside 1–255`);
      return Buffer.concat([Buffer.from([item.type, text.length]), text]);
    });
    const content = 4 + items.reduce((n, b) => n + b.length, 0);
    const chunkBuf = Buffer.alloc((Math.floor(content / 4) + 1) * 4); // at least one null octet
    checkUint32('SDES SSRC', chunk.ssrc);
    chunkBuf.writeUInt32BE(chunk.ssrc, 0);
    Buffer.concat(items).copy(chunkBuf, 4);
    return chunkBuf;
  });
  const body = Buffer.concat(encoded);
  const out = allocRtcp(RtcpType.SDES, sdes.chunks.length, body.length);
  body.copy(out, 4);
  return out;
}

/** The CNAME of `ssrc` in an SDES packet, if present. */
export function sdesCname(sdes: RtcpSourceDescription, ssrc: number): string | undefined {
  return sdes.chunks.find((c) => c.ssrc === ssrc)?.items.find((i) => i.type === SdesItem.CNAME)?.text;
}

/** RFC 3550 §6.6: SSRC/CSRC list, then an optional length-prefixed reason. */
export function parseBye(count: number, body: Buffer): RtcpBye {
  requireLength(body, count * 4, `a BYE with ${count} sources`);
  const bye: RtcpBye = { type: 'bye', ssrcs: [] };
  for (let i = 0; i < count; i++) bye.ssrcs.push(body.readUInt32BE(i * 4));
  const at = count * 4;
  const length = body[at];
  if (length !== undefined && length > 0) {
    if (at + 1 + length > body.length) throw new MediaDecodeError('BAD_LENGTH', 'BYE reason overruns the packet');
    bye.reason = body.toString('utf8', at + 1, at + 1 + length);
  }
  return bye;
}

export function serializeBye(bye: RtcpBye): Buffer {
  // An empty reason is no reason: its length octet would be 0, which reads back as absent.
  const reason = bye.reason ? Buffer.from(bye.reason, 'utf8') : undefined;
  if (reason && reason.length > 255) throw new RangeError('a BYE reason is at most 255 bytes');
  const reasonLength = reason ? Math.ceil((1 + reason.length) / 4) * 4 : 0;
  const out = allocRtcp(RtcpType.BYE, bye.ssrcs.length, bye.ssrcs.length * 4 + reasonLength);
  bye.ssrcs.forEach((ssrc, i) => {
    checkUint32('BYE SSRC', ssrc);
    out.writeUInt32BE(ssrc, 4 + i * 4);
  });
  if (reason) {
    const at = 4 + bye.ssrcs.length * 4;
    out[at] = reason.length;
    reason.copy(out, at + 1);
  }
  return out;
}
