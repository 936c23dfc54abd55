/**
 * The server's own forwarding latency from kernel timestamps: a capture of the loopback interface (tcpdump, nanosecond
 * timestamps) holds each publisher packet when the publisher's send put it on `lo`, and each forwarded copy when the
 * server's send did. SRTP leaves the RTP header in the clear, so a copy is paired with its original through the
 * header alone: the subscribers report how the server renumbered each stream (outgoing SSRC, sequence offset) and
 * the publishers how their sequence numbers relate to the bench's. The difference is everything the server adds —
 * its socket queue, its event loop, the forwarding itself — and none of the load clients' scheduling.
 */
import { DelayHistogram } from './receive-stats.ts';

/** A publisher track's RTP numbering: packet `benchSeq` went out with sequence number `(firstSeq + benchSeq) & 0xffff`. */
export interface SentTrack {
  publisher: number;
  track: number;
  ssrc: number;
  firstSeq: number;
}

/** What a subscriber saw on one incoming SSRC: the stream it carries and `(rtpSeq − benchSeq) & 0xffff`. */
export interface ReceivedTrack {
  ssrc: number;
  publisher: number;
  track: number;
  seqOffset: number;
  /** Packets whose offset differed from the previous packet's (the server renumbered the stream): 0 in a clean run. */
  offsetChanges: number;
}

export interface RtpRecord {
  /** Kernel timestamp, ns since the start of the second of the capture's first RTP record (only differences are used). */
  tNs: number;
  ssrc: number;
  seq: number;
}

const PCAP_NS_MAGIC = 0xa1b23c4d;
const PCAP_US_MAGIC = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;

/**
 * RTP headers (SSRC, sequence number) from a classic pcap file of Ethernet frames (what `tcpdump -i lo -w` writes),
 * IPv4 UDP only. RTCP, STUN and DTLS are skipped; truncated records end the walk.
 */
export function readRtpFromPcap(file: Buffer): RtpRecord[] {
  if (file.length < 24) throw new Error('pcap: file too short');
  let le: boolean;
  let nsRes: boolean;
  const magicLe = file.readUInt32LE(0);
  const magicBe = file.readUInt32BE(0);
  if (magicLe === PCAP_NS_MAGIC || magicLe === PCAP_US_MAGIC) [le, nsRes] = [true, magicLe === PCAP_NS_MAGIC];
  else if (magicBe === PCAP_NS_MAGIC || magicBe === PCAP_US_MAGIC) [le, nsRes] = [false, magicBe === PCAP_NS_MAGIC];
  else throw new Error('pcap: not a pcap file');
  const u32 = (o: number) => (le ? file.readUInt32LE(o) : file.readUInt32BE(o));
  const linkType = u32(20) & 0x0fffffff;
  if (linkType !== LINKTYPE_ETHERNET) throw new Error(`pcap: link type ${linkType}, expected Ethernet (capture on lo)`);
  const out: RtpRecord[] = [];
  // Seconds since the epoch times 1e9 exceed a double's exact integers: times count from the first RTP record's second.
  let sec0 = -1;
  for (let o = 24; o + 16 <= file.length; ) {
    const sec = u32(o);
    const frac = u32(o + 4);
    const incl = u32(o + 8);
    const data = o + 16;
    o = data + incl;
    if (o > file.length) break;
    const rtp = udpPayloadOffset(file, data, incl);
    if (rtp < 0 || data + incl - rtp < 12) continue;
    const b0 = file[rtp] as number;
    const pt = (file[rtp + 1] as number) & 0x7f;
    if (b0 >> 6 !== 2 || (pt >= 64 && pt <= 95)) continue; // not RTP, or RTCP (RFC 5761 §4)
    if (sec0 < 0) sec0 = sec;
    out.push({ tNs: (sec - sec0) * 1e9 + (nsRes ? frac : frac * 1000), ssrc: file.readUInt32BE(rtp + 8), seq: file.readUInt16BE(rtp + 2) });
  }
  return out;
}

/** Offset of the UDP payload in an Ethernet/IPv4/UDP frame at `at` of length `len`, or −1. */
function udpPayloadOffset(b: Buffer, at: number, len: number): number {
  if (len < 14 + 20 + 8 || b.readUInt16BE(at + 12) !== 0x0800) return -1;
  const ip = at + 14;
  const ihl = ((b[ip] as number) & 0x0f) * 4;
  if ((b[ip] as number) >> 4 !== 4 || ihl < 20 || b[ip + 9] !== 17) return -1;
  const udp = ip + ihl;
  return udp + 8 <= at + len ? udp + 8 : -1;
}

export interface Residence {
  /** Every forwarded copy. */
  histogram: DelayHistogram;
  /**
   * The first copy of each original only: how long a packet waited before the server began sending it out (its
   * socket queue, the event loop, the packets before it). The rest of `histogram` is the fan-out to every subscriber.
   */
  firstCopy: DelayHistogram;
  /** Forwarded copies paired with their original. */
  matched: number;
  /** Copies on a known outgoing SSRC whose original is not in the capture (it started before the capture did). */
  unmatched: number;
  /** Records on SSRCs neither side reported (other traffic). */
  unknown: number;
}

/**
 * Pairs each forwarded copy with the publisher packet it came from (records in capture order) and histograms the time
 * between them. A copy pairs with the latest original of that stream and sequence number captured before it. Copies of
 * originals captured in the first `settleNs` are left out: attaching a capture to `lo` stalls the machine's
 * packet path for a few milliseconds, several times, as it starts.
 */
export function residence(records: readonly RtpRecord[], sent: readonly SentTrack[], received: readonly ReceivedTrack[], settleNs = 0): Residence {
  interface Source {
    firstSeq: number;
    at: Float64Array;
    /** 1 once a copy of the original at that sequence number was paired. */
    copied: Uint8Array;
  }
  const inbound = new Map<number, Source>();
  const byStream = new Map<string, Source>();
  for (const s of sent) {
    const e: Source = { firstSeq: s.firstSeq, at: new Float64Array(65536).fill(-1), copied: new Uint8Array(65536) };
    inbound.set(s.ssrc, e);
    byStream.set(`${s.publisher}/${s.track}`, e);
  }
  const outbound = new Map<number, { seqOffset: number; source: Source }>();
  for (const r of received) {
    const source = byStream.get(`${r.publisher}/${r.track}`);
    if (source) outbound.set(r.ssrc, { seqOffset: r.seqOffset, source });
  }
  const histogram = new DelayHistogram();
  const firstCopy = new DelayHistogram();
  let matched = 0;
  let unmatched = 0;
  let unknown = 0;
  const from = (records[0]?.tNs ?? 0) + settleNs;
  for (const rec of records) {
    const i = inbound.get(rec.ssrc);
    if (i) {
      i.at[rec.seq] = rec.tNs;
      i.copied[rec.seq] = 0;
      continue;
    }
    const o = outbound.get(rec.ssrc);
    if (!o) {
      unknown++;
      continue;
    }
    const benchSeq = (rec.seq - o.seqOffset) & 0xffff;
    const seq = (o.source.firstSeq + benchSeq) & 0xffff;
    const t = o.source.at[seq] as number;
    if (t < 0 || rec.tNs < t || rec.tNs - t > 1e9) {
      unmatched++;
      continue;
    }
    if (t < from) continue;
    histogram.add(rec.tNs - t);
    if (!o.source.copied[seq]) firstCopy.add(rec.tNs - t);
    o.source.copied[seq] = 1;
    matched++;
  }
  return { histogram, firstCopy, matched, unmatched, unknown };
}

/** A subscriber's record of how the server numbers each stream it forwards (one Map lookup per packet). */
export class StreamNumbering {
  readonly #tracks = new Map<number, ReceivedTrack>();

  observe(ssrc: number, rtpSeq: number, publisher: number, track: number, benchSeq: number): void {
    const seqOffset = (rtpSeq - benchSeq) & 0xffff;
    const t = this.#tracks.get(ssrc);
    if (!t) this.#tracks.set(ssrc, { ssrc, publisher, track, seqOffset, offsetChanges: 0 });
    else if (t.seqOffset !== seqOffset || t.publisher !== publisher || t.track !== track) {
      t.offsetChanges++;
      Object.assign(t, { seqOffset, publisher, track });
    }
  }

  tracks(): ReceivedTrack[] {
    return [...this.#tracks.values()].map((t) => ({ ...t }));
  }
}
