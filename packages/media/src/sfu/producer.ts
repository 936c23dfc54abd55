import { NackRetries } from './nack-retries.ts';
import { addSeq, seqDiff } from '../seq.ts';
import { AudioLevelWindow } from './audio-level.ts';
import { isKeyframeStart } from './keyframe.ts';
import { ProducerLayer } from './producer-layer.ts';
import { findExtensionData, newRtpView, readRtpView, type RtpView } from './rtp-view.ts';
import { type LayerStats, type MediaKind, type PacketInfo, type ProducerCodec, type ProducerSink, type ProducerStats, SfuStateError } from './types.ts';
import { vp8Hole } from './vp8-hole.ts';
import { type Vp8Ids, vp8KeyframeSize } from './vp8.ts';
import { vp9KeyframeSize } from './vp9.ts';

export type { LayerStats, MediaKind, PacketInfo, ProducerCodec, ProducerSink, ProducerStats } from './types.ts';
export { SfuStateError } from './types.ts';

export interface ProducerOptions {
  id: string;
  kind: MediaKind;
  codec: ProducerCodec;
  clockRate: number;
  /** The publisher's a=fmtp parameters for the codec (VP9 profile-id, H.264 profile-level-id…): subscribers must match them. */
  fmtp?: string;
  /** The publisher's payload type for the codec; packets of other payload types are dropped (counted). */
  payloadType: number;
  /** Simulcast rids lowest first (e.g. ['q','h','f']); undefined for a single encoding (one layer, index 0). */
  rids?: string[];
  /** One-byte/two-byte header extension id of RFC 6464 audio level in the publisher's packets, if negotiated. */
  audioLevelExtensionId?: number;
  /** The transport sends a PLI (or FIR) for this SSRC to the publisher; rate-limited here, per layer. */
  requestKeyframe: (ssrc: number) => void;
  /** The transport sends a NACK for these sequence numbers of this SSRC to the publisher (packets the SFU lost). */
  requestRetransmission?: (ssrc: number, seqs: number[]) => void;
  /** At most one key-frame request per layer in this interval (default 500 ms). */
  keyframeIntervalMs?: number;
  /** Packets remembered per layer for NACKs (power of two, default 512: ~1 s of 4 Mbps video). */
  cacheSize?: number;
  now?: () => number;
}

/** Sequence jumps larger than this are a restart of the stream, not loss worth a NACK (RFC 4585 §6.2.1: 17 per FCI). */
const MAX_NACK_GAP = 64;

/**
 * One published track: receives the publisher's clear RTP, remembers it for NACKs, watches key frames, bitrate and
 * audio level per simulcast layer, and hands every packet to its consumers.
 */
export class Producer {
  readonly id: string;
  readonly kind: MediaKind;
  readonly codec: ProducerCodec;
  readonly clockRate: number;
  readonly fmtp: string | undefined;
  readonly rids: string[] | undefined;
  readonly stats: Readonly<ProducerStats> = {
    packets: 0, bytes: 0, malformed: 0, wrongPayloadType: 0, duplicates: 0, outOfOrder: 0, keyframes: 0, keyframeRequests: 0, nacksSent: 0, nacksGivenUp: 0, mediaLostForGood: 0, upperLayerLostForGood: 0, lateAfterGivingUp: 0, consumerErrors: 0,
  };
  readonly now: () => number;
  readonly #s = this.stats as ProducerStats;
  readonly #retries = new NackRetries();
  readonly #options: ProducerOptions;
  readonly #layers: ProducerLayer[];
  readonly #ssrcToLayer = new Map<number, number>();
  readonly #info: PacketInfo;
  /** Scratch for reading cached packets off the per-packet path (vp8Hole). */
  readonly #scratch: RtpView & Vp8Ids = { ...newRtpView(), pictureId: -1, pictureIdBits: 0, tl0PicIdx: -1 };
  readonly #audio = new AudioLevelWindow();
  #consumers: ProducerSink[] = [];
  #paused = false;
  #closed = false;
  /** Asks again for unanswered NACKs at the retry interval, which is finer than the transport's 50 ms tick. */
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ProducerOptions) {
    if (options.rids !== undefined && options.rids.length === 0) throw new TypeError('a simulcast producer needs at least one rid');
    if (!Number.isInteger(options.clockRate) || options.clockRate <= 0) throw new TypeError(`clock rate ${options.clockRate} is not a positive integer`);
    this.id = options.id;
    this.kind = options.kind;
    this.codec = options.codec;
    this.clockRate = options.clockRate;
    this.fmtp = options.fmtp;
    this.rids = options.rids ? [...options.rids] : undefined;
    this.#options = options;
    this.now = options.now ?? (() => performance.now());
    this.#layers = (this.rids ?? [undefined]).map((rid) => new ProducerLayer(rid, options.cacheSize));
    this.#info = { ...newRtpView(), pictureId: -1, pictureIdBits: 0, tl0PicIdx: -1, temporalId: -1, layer: 0, keyframe: false, receivedAt: 0 };
  }

  get paused(): boolean {
    return this.#paused;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Packets held for NACKs, over all layers (0 after close). */
  get cacheSize(): number {
    let n = 0;
    for (const layer of this.#layers) n += layer.cache.size;
    return n;
  }

  /**
   * One clear RTP packet of layer `layer`. The producer keeps a copy (for NACKs), so the caller may reuse the buffer
   * once this returns. Malformed packets are counted and dropped; this never throws.
   */
  receive(packet: Buffer, layer: number): void {
    if (this.#closed) return;
    const s = this.#s;
    const info = this.#info;
    const state = this.#layers[layer];
    if (state === undefined || !readRtpView(packet, info)) {
      s.malformed++;
      return;
    }
    if (info.payloadType !== this.#options.payloadType) {
      s.wrongPayloadType++;
      return;
    }
    if (state.ssrc !== info.ssrc && !this.#bind(info.ssrc, layer)) {
      s.malformed++;
      return;
    }
    const seq = info.sequenceNumber;
    const cache = state.cache;
    const now = this.now();
    const highest = state.highestSeq;
    if (highest >= 0) {
      const d = seqDiff(seq, highest);
      if (d <= 0) {
        if (d === 0 || cache.has(seq)) {
          s.duplicates++;
          return;
        }
        s.outOfOrder++;
        this.#retries.received(info.ssrc, seq, now);
        s.lateAfterGivingUp = this.#retries.lateAfterGivingUp;
      } else {
        if (d > 1 && d <= MAX_NACK_GAP + 1) this.#nack(info.ssrc, highest, d - 1, now);
        state.highestSeq = seq;
      }
    } else state.highestSeq = seq;
    cache.put(seq, packet);
    s.packets++;
    s.bytes += packet.length;
    state.count(packet.length, now);

    info.keyframe = false;
    info.pictureId = -1;
    info.pictureIdBits = 0;
    info.tl0PicIdx = -1;
    info.temporalId = -1;
    if (this.kind === 'video') {
      this.#inspectVideo(packet, info, state);
      if ((info.temporalId as number) >= 0) state.countTemporal(info.temporalId as number, packet.length, now);
      // A request the rate limit held back goes out with the first packet after the interval, unless a key frame came.
      if (state.keyframePending) this.requestKeyframe(layer);
    } else if (this.#options.audioLevelExtensionId !== undefined) {
      const at = findExtensionData(packet, info, this.#options.audioLevelExtensionId, 1);
      if (at >= 0) this.#audio.add(packet[at] as number, now); // RFC 6464 §3: V bit + level
    }
    if (this.#paused) return;

    info.layer = layer;
    info.receivedAt = now;
    const consumers = this.#consumers; // replaced, never mutated: safe if a callback adds or removes consumers
    for (let i = 0; i < consumers.length; i++) {
      try {
        (consumers[i] as ProducerSink).forward(packet, info);
      } catch {
        s.consumerErrors++;
      }
    }
  }

  layerOf(ssrc: number): number | undefined {
    return this.#ssrcToLayer.get(ssrc);
  }

  /** The media SSRC `layer` arrives on (undefined before its first packet). */
  ssrcOf(layer: number): number | undefined {
    return this.#layers[layer]?.ssrc;
  }

  layers(): LayerStats[] {
    const now = this.now();
    return this.#layers.map((l) => {
      const out: LayerStats = { rid: l.rid, ssrc: l.ssrc, bitrate: l.meter.bitrate(now), packets: l.packets, lastPacketAt: l.lastPacketAt };
      const temporal = l.temporalBitrates(now);
      if (temporal) out.temporalBitrates = temporal;
      if (l.width !== undefined && l.height !== undefined) {
        out.width = l.width;
        out.height = l.height;
      }
      return out;
    });
  }

  /** The mean level (0 = loudest … 127 = silence, −dBov, RFC 6464) of the last ~300 ms, and whether any of it was voice. */
  audioLevel(): { level: number; voice: boolean } | undefined {
    return this.#audio.read(this.now());
  }

  /** The newest sequence number received of `ssrc` (undefined for an SSRC not bound to a layer, or before its first packet). */
  highestSeq(ssrc: number): number | undefined {
    const layer = this.#ssrcToLayer.get(ssrc);
    const seq = layer === undefined ? -1 : (this.#layers[layer]?.highestSeq ?? -1);
    return seq < 0 ? undefined : seq;
  }

  /** For a subscriber's NACK: a view of the cached packet (clear RTP, not to be mutated, valid until the next packet arrives) of `ssrc`/`seq`. */
  cached(ssrc: number, seq: number): Buffer | undefined {
    const layer = this.#ssrcToLayer.get(ssrc);
    return layer === undefined ? undefined : this.#layers[layer]?.cache.get(seq);
  }

  /**
   * Asks the publisher for a key frame of `layer`: at most one per `keyframeIntervalMs`. A request the limit holds back
   * is not dropped but kept pending, like one made before the layer's SSRC is known: it goes out once the interval is
   * over, unless a key frame of the layer arrives first (which serves it). So subscribers joining a second apart all
   * start within one interval, and a burst of joins costs the publisher one or two key frames.
   */
  requestKeyframe(layer: number): void {
    const state = this.#layers[layer];
    if (this.#closed || this.kind !== 'video' || state === undefined) return;
    if (state.ssrc === undefined) {
      state.keyframePending = true;
      return;
    }
    const now = this.now();
    if (now - state.lastKeyframeRequest < (this.#options.keyframeIntervalMs ?? 500)) {
      state.keyframePending = true;
      return;
    }
    state.lastKeyframeRequest = now;
    state.keyframePending = false;
    this.#s.keyframeRequests++;
    this.#options.requestKeyframe(state.ssrc);
  }

  /** The publisher muted the track: nothing is forwarded until `resume`. */
  pause(): void {
    this.#paused = true;
  }

  /** Forwarding restarts; video consumers wait for (and ask for) a key frame. */
  resume(): void {
    if (!this.#paused || this.#closed) return;
    this.#paused = false;
    for (const consumer of this.#consumers) consumer.producerResumed();
  }

  /** Frees the caches and closes every consumer (each gets its `onClose`). Idempotent. */
  close(): void {
    this.#retries.clear();
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#closed) return;
    this.#closed = true;
    const consumers = this.#consumers;
    this.#consumers = [];
    for (const layer of this.#layers) layer.cache.clear();
    this.#ssrcToLayer.clear();
    for (const consumer of consumers) consumer.producerClosed();
  }

  /** @internal Called by the Consumer constructor (and a SlotConsumer taking this source). */
  addConsumer(consumer: ProducerSink): void {
    if (this.#closed) throw new SfuStateError(`producer ${this.id} is closed`);
    this.#consumers = [...this.#consumers, consumer];
  }

  /** @internal Called by Consumer.close (and a SlotConsumer leaving this source). */
  removeConsumer(consumer: ProducerSink): void {
    this.#consumers = this.#consumers.filter((c) => c !== consumer);
  }

  /** Binds `ssrc` to `layer` (first sight, or the publisher changed SSRC); false when another layer owns it. */
  #bind(ssrc: number, layer: number): boolean {
    const owner = this.#ssrcToLayer.get(ssrc);
    if (owner !== undefined && owner !== layer) return false;
    const state = this.#layers[layer] as ProducerLayer;
    if (state.ssrc !== undefined) this.#ssrcToLayer.delete(state.ssrc);
    state.rebind(ssrc);
    this.#ssrcToLayer.set(ssrc, layer);
    if (state.keyframePending) this.requestKeyframe(layer);
    return true;
  }

  #nack(ssrc: number, highest: number, missing: number, now: number): void {
    const request = this.#options.requestRetransmission;
    if (!request) return;
    const seqs = new Array<number>(missing); // only on loss, never on the steady path
    for (let i = 0; i < missing; i++) {
      seqs[i] = addSeq(highest, i + 1);
      this.#retries.add(ssrc, seqs[i] as number, now);
    }
    this.#s.nacksSent++;
    request(ssrc, seqs);
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#retryTimer !== undefined || this.#closed) return;
    const wait = this.#retries.nextDueIn(this.now());
    if (wait === undefined) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.retryNacks();
      this.#scheduleRetry();
    }, wait);
    this.#retryTimer.unref?.();
  }

  /** Asks the publisher again for lost packets whose retransmission has not come (the producer's own timer calls it). */
  retryNacks(now = this.now()): void {
    const request = this.#options.requestRetransmission;
    if (!request || this.#retries.size === 0) return;
    for (const [ssrc, seqs] of this.#retries.due(now, (ssrc, seq) => this.#lostForGood(ssrc, seq))) {
      this.#s.nacksSent++;
      request(ssrc, seqs);
    }
    this.#s.nacksGivenUp = this.#retries.givenUp;
  }

  /**
   * The publisher never resent `seq`. When it was VP8 media that may be of the base temporal layer, no subscriber
   * can decode that layer past it until a key frame: ask for one now (if anyone is forwarded that layer) rather than
   * leave it to each subscriber's decoder, which asks only after ~3 s without a decodable frame (a freeze). Media of
   * upper temporal layers only (Chrome declines to resend some of it) costs the frames that reference it, up to the
   * next base frame, and asks for nothing; nor do padding and holes it cannot place.
   */
  #lostForGood(ssrc: number, seq: number): void {
    const layer = this.#ssrcToLayer.get(ssrc);
    const cache = layer === undefined ? undefined : this.#layers[layer]?.cache;
    if (layer === undefined || !cache || this.codec !== 'VP8') return;
    const hole = vp8Hole((s) => cache.get(s), seq, this.#scratch);
    if (hole === 'upper') this.#s.upperLayerLostForGood++;
    if (hole !== 'base') return;
    this.#s.mediaLostForGood++;
    // A key frame of a layer nobody is forwarded (the top one, sent for a moment) only loads the publisher's uplink.
    if (this.#consumers.some((c) => c.currentLayer === layer)) this.requestKeyframe(layer);
  }

  #inspectVideo(packet: Buffer, info: PacketInfo, layer: ProducerLayer): void {
    info.keyframe = isKeyframeStart(this.codec, packet, info);
    if (!info.keyframe) return;
    this.#s.keyframes++;
    layer.keyframePending = false;
    const size = this.codec === 'VP8'
      ? vp8KeyframeSize(packet.subarray(0, info.payloadEnd), info.payloadOffset)
      : this.codec === 'VP9' ? vp9KeyframeSize(packet, info.payloadOffset, info.payloadEnd) : undefined;
    if (size) ({ width: layer.width, height: layer.height } = size);
  }
}
