import { PacketCache } from './packet-cache.ts';
import { RateMeter } from './rate-meter.ts';

/** What a producer tracks per simulcast encoding (one for a single encoding). */
export class ProducerLayer {
  readonly rid: string | undefined;
  ssrc: number | undefined;
  readonly cache: PacketCache;
  readonly meter = new RateMeter();
  /** Newest sequence number seen, -1 before the first packet (gap detection). */
  highestSeq = -1;
  packets = 0;
  lastPacketAt: number | undefined;
  lastKeyframeRequest = -Infinity;
  /** A key frame was asked for but not yet requested (SSRC unknown, or within the rate limit); cleared by a key frame. */
  keyframePending = false;
  width: number | undefined;
  height: number | undefined;

  constructor(rid: string | undefined, cacheSize: number | undefined) {
    this.rid = rid;
    this.cache = new PacketCache(cacheSize);
  }

  /** A new SSRC (first sight, or the publisher restarted the encoding): its sequence space is new. */
  rebind(ssrc: number): void {
    this.ssrc = ssrc;
    this.cache.clear();
    this.highestSeq = -1;
    this.temporal = undefined;
  }

  /** Per VP8 temporal layer (TID 0–3), created with the first packet that carries a TID. */
  temporal: RateMeter[] | undefined;

  count(bytes: number, now: number): void {
    this.meter.add(bytes, now);
    this.packets++;
    this.lastPacketAt = now;
  }

  countTemporal(tid: number, bytes: number, now: number): void {
    const meters = (this.temporal ??= []);
    for (let t = meters.length; t <= tid; t++) meters.push(new RateMeter());
    (meters[tid] as RateMeter).add(bytes, now);
  }

  /** Bits per second of each temporal layer (TID 0 first) over the last second; undefined without TIDs. */
  temporalBitrates(now: number): number[] | undefined {
    return this.temporal?.map((m) => m.bitrate(now));
  }
}
