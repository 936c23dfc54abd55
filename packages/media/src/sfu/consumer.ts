import { SequenceRewriter, addSeq, addTimestamp, isNewerSeq, isNewerTimestamp, seqDiff } from '../seq.ts';
import { OutputHistory } from './output-history.ts';
import { SerialSkips } from './serial-skips.ts';
import type { MediaKind, PacketInfo, Producer } from './producer.ts';
import { newRtpView, readRtpView, type RtpView } from './rtp-view.ts';
import type { ProducerCodec } from './types.ts';
import { Vp8IdMap, isVp8FrameStart, readVp8Ids, type Vp8Ids } from './vp8.ts';
import { readVp9Ids } from './vp9.ts';
import { checkForwardedStream, freshPacket, writeForwarded, type PacketAllocator } from './write-forwarded.ts';

export interface ConsumerOptions {
  id: string;
  producer: Producer;
  /** SSRC and payload type the subscriber expects (from the SDP answer). */
  ssrc: number;
  payloadType: number;
  /**
   * If set, every forwarded packet carries exactly one header extension: transport-wide sequence number (this id),
   * 0 as placeholder, at a fixed offset the transport fills in. Publisher extensions are always dropped: their ids
   * are the publisher's negotiation, not the subscriber's.
   */
  transportCcExtensionId?: number;
  /**
   * Receives each rewritten clear RTP packet; `offsetOfTransportSeq` is -1 without transport-cc. The packet's memory
   * comes from `allocate` (a fresh Buffer by default).
   */
  send: (packet: Buffer, offsetOfTransportSeq: number) => void;
  /** Receives NACK answers (same rewriting, same output seq), e.g. to wrap them in RTX (RFC 4588). Default: `send`. */
  sendRetransmission?: (packet: Buffer, offsetOfTransportSeq: number) => void;
  /** Bounds what NACKs make us resend (default: every packet asked for, every time). */
  resendGuard?: ResendGuard;
  onClose?: () => void;
  /**
   * Memory for forwarded packets. The SFU's transport passes its endpoint's send ring, whose buffers are valid only
   * until the next send: then `send` must be done with the packet when it returns.
   */
  allocate?: PacketAllocator;
  /** Simulcast layer to start with (default: the highest). */
  targetLayer?: number;
  /** Start paused (a hidden tile). */
  paused?: boolean;
  /** First output sequence number / timestamp (RFC 3550 §5.1: random by default). */
  initialSequenceNumber?: number;
  initialTimestamp?: number;
  /** Must share the producer's time base (it is the default): per-packet times come from the producer's clock. */
  now?: () => number;
}

/**
 * What a subscriber's NACKs may make us resend. A receiver asks for a missing packet again after its own guess of the
 * round trip (Chrome: 100 ms when it has none, up to 10 times); behind a queue longer than that every ask was answered,
 * so a lost packet went out again and again: seen, 4–5 Mbit/s of retransmissions into a 300 kbit/s link.
 */
export interface ResendGuard {
  /** A packet is resent at most once in this long (the round trip: an earlier answer may still be on its way). */
  readonly minIntervalMs: number;
  /** Whether `bytes` more may be resent now (a share of the subscriber's estimate); takes them if so. */
  take(bytes: number, nowMs: number): boolean;
}

/** VP8's TID has two bits. */
const MAX_TID = 3;

/** At most this many packets are caught up after a late key-frame start (the producer's NACK window). */
const MAX_CATCH_UP = 64;

export interface ConsumerStats {
  packetsForwarded: number;
  bytesForwarded: number;
  retransmitted: number;
  /** NACKed packets not resent: resent less than a round trip ago, or over the resend budget (ResendGuard). */
  resendTooSoon: number;
  resendOverBudget: number;
  /** Packets of the current layer the rewriter could not place (older than a switch point). */
  dropped: number;
  /** Padding-only packets (bandwidth probes) left out; the output sequence closes over them. */
  paddingDropped: number;
  /** Packets of VP8 temporal layers above the one forwarded (setMaxTemporalLayer) left out. */
  temporalDropped: number;
  layerSwitches: number;
}

/**
 * One subscriber's copy of a producer: rewrites SSRC, payload type, sequence numbers, timestamps and VP8/VP9 picture
 * ids (H.264 has none to keep continuous) so that the subscriber sees one continuous stream whatever layer is forwarded, and answers its NACKs.
 */
export class Consumer {
  readonly id: string;
  readonly producer: Producer;
  readonly ssrc: number;
  readonly kind: MediaKind;
  readonly stats: Readonly<ConsumerStats> = { packetsForwarded: 0, bytesForwarded: 0, retransmitted: 0, resendTooSoon: 0, resendOverBudget: 0, dropped: 0, paddingDropped: 0, temporalDropped: 0, layerSwitches: 0 };
  readonly #s = this.stats as ConsumerStats;
  readonly #options: ConsumerOptions;
  readonly #allocate: PacketAllocator;
  readonly #payloadType: number;
  readonly #tccId: number;
  readonly #video: boolean;
  readonly #codec: ProducerCodec;
  readonly #now: () => number;
  readonly #history = new OutputHistory();
  readonly #view = { ...newRtpView(), pictureId: -1, pictureIdBits: 0, tl0PicIdx: -1, temporalId: -1 };
  /** For #catchUp: the producer's `info` describes the packet being forwarded, not the cached ones. */
  readonly #replay: PacketInfo = { ...newRtpView(), pictureId: -1, pictureIdBits: 0, tl0PicIdx: -1, temporalId: -1, layer: 0, keyframe: false, receivedAt: 0 };
  #paused: boolean;
  #closed = false;
  #targetLayer: number;
  #currentLayer: number | undefined;
  /** VP8 temporal layers forwarded: TIDs up to this (3: all). `#temporalWanted` takes over at a picture start. */
  #temporalMax = MAX_TID;
  #temporalWanted = MAX_TID;
  /** False until the next packet we may start on (a key-frame start for video) re-anchors the output. */
  #synced = false;
  #sourceSsrc = -1;
  #rewriter: SequenceRewriter | undefined;
  readonly #skips = new SerialSkips();
  /** VP8 and VP9 picture ids (RFC 7741 §4.2, RFC 9628 §4.2 have the same fields): one map serves both. */
  readonly #ids = new Vp8IdMap();
  #started = false;
  #maxOutSeq: number;
  #maxOutTs: number;
  #lastAt = 0;
  #packets = 0;
  #octets = 0;

  constructor(options: ConsumerOptions) {
    const { producer } = options;
    const tcc = checkForwardedStream(options.ssrc, options.payloadType, options.transportCcExtensionId);
    this.id = options.id;
    this.producer = producer;
    this.ssrc = options.ssrc;
    this.kind = producer.kind;
    this.#options = options;
    this.#allocate = options.allocate ?? freshPacket;
    this.#payloadType = options.payloadType;
    this.#tccId = tcc;
    this.#video = producer.kind === 'video';
    this.#codec = producer.codec;
    this.#now = options.now ?? producer.now;
    this.#paused = options.paused ?? false;
    const top = (producer.rids?.length ?? 1) - 1;
    this.#targetLayer = Math.min(Math.max(options.targetLayer ?? top, 0), top);
    this.#maxOutSeq = addSeq(options.initialSequenceNumber ?? Math.floor(Math.random() * 0x1_0000), -1);
    this.#maxOutTs = options.initialTimestamp ?? Math.floor(Math.random() * 0x1_0000_0000);
    producer.addConsumer(this); // throws SfuStateError when the producer is closed
    if (!this.#paused) this.#requestKeyframe(this.#targetLayer);
  }

  get paused(): boolean {
    return this.#paused;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get currentLayer(): number | undefined {
    return this.#currentLayer;
  }

  get targetLayer(): number {
    return this.#targetLayer;
  }

  /** For RTCP SR generation: the newest output RTP timestamp and when it was sent; packet and payload octet counts (RFC 3550 §6.4.1). */
  get lastSent(): { rtpTimestamp: number; at: number; packets: number; octets: number } {
    return { rtpTimestamp: this.#maxOutTs, at: this.#lastAt, packets: this.#packets, octets: this.#octets };
  }

  /** The tile is hidden: forward nothing. */
  pause(): void {
    this.#paused = true;
  }

  /** The tile is shown again: restart on the next key frame of the target layer (asked for now). */
  resume(): void {
    if (!this.#paused || this.#closed) return;
    this.#paused = false;
    this.#synced = false;
    this.#requestKeyframe(this.#targetLayer);
  }

  /** Switches to `layer` at its next key frame (asked for now); until then the current layer keeps flowing. */
  setTargetLayer(layer: number): void {
    const top = (this.producer.rids?.length ?? 1) - 1;
    if (!Number.isInteger(layer) || layer < 0 || layer > top) throw new RangeError(`layer ${layer} is outside 0–${top}`);
    if (layer === this.#targetLayer) return;
    this.#targetLayer = layer;
    if (!this.#paused && (layer !== this.#currentLayer || !this.#synced)) this.#requestKeyframe(layer);
  }

  get maxTemporalLayer(): number {
    return this.#temporalWanted;
  }

  /**
   * Forwards only VP8 temporal layers up to `tid` (0: the base layer, a quarter of the frame rate with three layers;
   * MAX_TID: all). Down at the next picture start; up at the next base-layer picture, which every higher layer refers
   * back to. Streams without TIDs (VP9, H.264, VP8 without temporal layers) are not thinned.
   */
  setMaxTemporalLayer(tid: number): void {
    if (!Number.isInteger(tid) || tid < 0 || tid > MAX_TID) throw new RangeError(`temporal layer ${tid} is outside 0–${MAX_TID}`);
    this.#temporalWanted = tid;
  }

  /** Subscriber NACK (RFC 4585 §6.2.1) for output sequence numbers; returns how many packets were resent. */
  handleNack(seqs: readonly number[]): number {
    if (this.#closed) return 0;
    const send = this.#options.sendRetransmission ?? this.#options.send;
    const view = this.#view;
    const guard = this.#options.resendGuard;
    const now = guard ? this.#now() : 0;
    let resent = 0;
    for (const outSeq of seqs) {
      const h = this.#history;
      const slot = h.find(outSeq);
      if (slot < 0) continue;
      if (guard && now - h.resentAt(slot) < guard.minIntervalMs) {
        this.#s.resendTooSoon++;
        continue;
      }
      const packet = this.producer.cached(h.sourceSsrc(slot), h.sourceSeq(slot));
      if (!packet || !this.#readCached(packet, view)) continue;
      if (guard && !guard.take(packet.length, now)) {
        this.#s.resendOverBudget++;
        continue;
      }
      h.markResent(slot, now);
      const out = writeForwarded(packet, view, this.ssrc, this.#payloadType, outSeq & 0xffff, h.outTimestamp(slot), this.#tccId, h.outPictureId(slot), h.outTl0PicIdx(slot), this.#codec, this.#allocate);
      this.#s.retransmitted++;
      resent++;
      send(out, this.#tccOffset(view.csrcCount));
    }
    return resent;
  }

  /** Subscriber PLI/FIR (RFC 4585 §6.3.1, RFC 5104 §4.3.1): a key frame of the layer being forwarded. */
  handleKeyframeRequest(): void {
    if (!this.#closed && !this.#paused) this.#requestKeyframe(this.#currentLayer ?? this.#targetLayer);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.producer.removeConsumer(this);
    this.#options.onClose?.();
  }

  /** @internal The producer closed: close without detaching (the producer already let go). */
  producerClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#options.onClose?.();
  }

  /** @internal The publisher unmuted: restart on a key frame. */
  producerResumed(): void {
    this.#synced = false;
    if (!this.#paused) this.#requestKeyframe(this.#targetLayer);
  }

  /** @internal The per-packet path: one call per producer packet. */
  forward(packet: Buffer, info: PacketInfo): void {
    if (this.#closed || this.#paused) return;
    const layer = info.layer;
    // The publisher changed the SSRC of the layer we forward: its sequence space is new, start over.
    if (layer === this.#currentLayer && info.ssrc !== this.#sourceSsrc && this.#synced) {
      this.#synced = false;
      this.#requestKeyframe(this.#targetLayer);
    }
    if (this.#video) {
      if (layer === this.#targetLayer && (!this.#synced || layer !== this.#currentLayer)) {
        if (info.keyframe && info.payloadEnd > info.payloadOffset) {
          this.#start(info);
          this.#emit(packet, info);
          this.#catchUp(info);
          return;
        }
        this.#requestKeyframe(layer); // the producer rate-limits; this repeats a request a publisher lost
      }
      if (!this.#synced || layer !== this.#currentLayer) return;
    } else if (!this.#synced) this.#start(info);
    this.#emit(packet, info);
  }

  /**
   * The key frame we just started on came late (its first packet was lost and retransmitted, say): the packets after
   * it that the producer already has were left out while we waited, and the subscriber could never get them by NACK
   * (they have no output number). They go now, in order; those still missing come later like any reordered packet.
   */
  #catchUp(start: PacketInfo): void {
    const ssrc = start.ssrc;
    const highest = this.producer.highestSeq(ssrc);
    const behind = highest === undefined ? 0 : seqDiff(highest, start.sequenceNumber);
    if (behind <= 0 || behind > MAX_CATCH_UP) return;
    const view = this.#replay;
    for (let i = 1; i <= behind; i++) {
      const packet = this.producer.cached(ssrc, addSeq(start.sequenceNumber, i));
      if (!packet || !this.#readCached(packet, view)) continue;
      view.layer = start.layer;
      view.receivedAt = start.receivedAt;
      this.#emit(packet, view);
    }
  }

  /** Reads a packet from the producer's cache into `view`: its RTP header, and the VP8/VP9 ids the output rewrites. */
  #readCached(packet: Buffer, view: RtpView & Vp8Ids): boolean {
    if (!readRtpView(packet, view)) return false;
    if (this.#codec === 'VP8') readVp8Ids(packet, view.payloadOffset, view.payloadEnd, view);
    else if (this.#codec === 'VP9') readVp9Ids(packet, view.payloadOffset, view.payloadEnd, view);
    return true;
  }

  /** Rewrites and sends one packet of the current layer (or records a padding packet's place). */
  #emit(packet: Buffer, info: PacketInfo): void {
    const seq = info.sequenceNumber;
    if (info.payloadEnd === info.payloadOffset) {
      this.#s.paddingDropped++;
      this.#skips.skip(seq);
      return;
    }
    if (this.#codec === 'VP8' && this.#thinned(packet, info)) return;
    const mapped = (this.#rewriter as SequenceRewriter).rewrite(info.ssrc, seq, info.timestamp);
    const skip = mapped ? this.#skips.before(seq) : -1;
    const outPic = skip < 0 ? -1 : this.#ids.pictureId(info);
    if (!mapped || skip < 0 || outPic === -2) {
      this.#s.dropped++;
      return;
    }
    const outSeq = addSeq(mapped.sequenceNumber, -skip);
    const outTs = mapped.timestamp;
    const outTl0 = this.#ids.tl0PicIdx(info);
    const out = writeForwarded(packet, info, this.ssrc, this.#payloadType, outSeq, outTs, this.#tccId, outPic, outTl0, this.#codec, this.#allocate);
    this.#history.record(outSeq, info.ssrc, seq, outTs, outPic, outTl0);
    if (isNewerSeq(outSeq, this.#maxOutSeq)) this.#maxOutSeq = outSeq;
    if (isNewerTimestamp(outTs, this.#maxOutTs) || this.#packets === 0) {
      this.#maxOutTs = outTs;
      this.#lastAt = info.receivedAt;
    }
    const payload = info.payloadEnd - info.payloadOffset;
    this.#packets++;
    this.#octets += payload;
    this.#s.packetsForwarded++;
    this.#s.bytesForwarded += out.length;
    this.#options.send(out, this.#tccOffset(info.csrcCount));
  }

  /** VP8 temporal thinning: whether this packet's picture is left out (its sequence number and picture id closed over). */
  #thinned(packet: Buffer, info: PacketInfo): boolean {
    const tid = info.temporalId ?? -1;
    if (tid < 0 || info.pictureIdBits !== 15) return false;
    if (this.#temporalWanted !== this.#temporalMax && isVp8FrameStart(packet, info.payloadOffset) && (this.#temporalWanted < this.#temporalMax || tid === 0)) {
      this.#temporalMax = this.#temporalWanted;
    }
    if (tid <= this.#temporalMax) return false;
    this.#skips.skip(info.sequenceNumber);
    this.#ids.dropPicture(info);
    this.#s.temporalDropped++;
    return true;
  }

  /** Re-anchors the output on this packet: sequence +1, timestamp + the wall-clock gap, picture ids +1. */
  #start(info: PacketInfo): void {
    // The wall-clock time since the last packet sent, in RTP ticks (at least 1: timestamps must move forward).
    const gap = this.#started ? Math.max(1, Math.round(((this.#now() - this.#lastAt) * this.producer.clockRate) / 1000)) : 0;
    this.#rewriter = new SequenceRewriter({ initialSequenceNumber: addSeq(this.#maxOutSeq, 1), initialTimestamp: addTimestamp(this.#maxOutTs, gap) });
    this.#started = true;
    this.#skips.reset(info.sequenceNumber);
    this.#ids.anchor(info);
    this.#temporalMax = this.#temporalWanted; // a key frame: a base-layer picture start
    this.#sourceSsrc = info.ssrc;
    if (this.#currentLayer !== undefined && this.#currentLayer !== info.layer) this.#s.layerSwitches++;
    this.#currentLayer = info.layer;
    this.#synced = true;
  }

  #requestKeyframe(layer: number): void {
    if (this.#video) this.producer.requestKeyframe(layer);
  }

  #tccOffset(csrcCount: number): number {
    // RFC 8285: the extension header (4 bytes) then the element's id byte (one-byte form) or id + length (two-byte).
    return this.#tccId < 0 ? -1 : 12 + csrcCount * 4 + 4 + (this.#tccId <= 14 ? 1 : 2);
  }
}
