import type { MediaSource, ProducerInfo, ProtocolErrorBody } from '@parley/protocol';
import { Emitter } from '../emitter.ts';
import { ParleyError } from '../errors.ts';
import { applyCodecOrder, encodingsForCodec, resolveVideoCodec, type VideoCodec } from './codec-preference.ts';
import { activeLayers, sendEncodingsFor } from './layers.ts';
import { SLOW_RETRY_MAX_MS, SLOW_RETRY_MS, ServerPeer } from '../server-peer.ts';
import { DATA_CHANNEL_LABELS } from '@parley/protocol';

/** The room data relay's two channels on the SFU connection (docs/protocol.md). */
export interface SfuDataChannels {
  reliable: RTCDataChannel;
  lossy: RTCDataChannel;
}

/** What one `sfuOffer` carries besides its id. */
export interface SfuOfferRequest {
  sdp: string;
  publish: Array<{ mid: string; source: MediaSource }>;
  subscribe: Array<{ mid: string; producerId: string }>;
  /** Audio-only rooms: our receiving audio sections the SFU fills with the loudest voices, in slot order. */
  slots?: string[];
}

/** The server's answer to one `sfuOffer`. */
export interface SfuOfferAnswer {
  sdp: string;
  /** Subscriptions the SFU answered inactive, e.g. UNSUPPORTED_CODEC: we cannot decode that producer's codec. */
  rejected?: Array<{ producerId: string; error: ProtocolErrorBody }>;
}

export interface SfuConnectionOptions {
  configuration: RTCConfiguration;
  /** Sends the offer to the server and resolves with its answer. */
  offer(request: SfuOfferRequest): Promise<SfuOfferAnswer>;
  /**
   * The codec to publish video with: the SFU forwards VP8, VP9 and H.264, each to the subscribers that can decode it.
   * Default 'vp8'; a codec the browser cannot send falls back to VP8.
   */
  videoCodec?: VideoCodec;
  /** Delay before retrying a failed negotiation (times the failure count). Default 1000 ms. */
  retryDelayMs?: number;
  log?: (message: string, detail?: unknown) => void;
}

export type SfuConnectionEvents = {
  /** A subscribed producer's track is negotiated (media may still be on its way: the track starts muted). */
  trackAdded: [producer: ProducerInfo, track: MediaStreamTrack, receiver: RTCRtpReceiver];
  trackRemoved: [producer: ProducerInfo, track: MediaStreamTrack];
  /** The SFU will not send this producer to us (e.g. UNSUPPORTED_CODEC); we stop asking for it. */
  subscriptionFailed: [producer: ProducerInfo, error: ParleyError];
  connectionStateChanged: [state: RTCPeerConnectionState];
  /** Audio-only rooms: the slots are negotiated (their tracks carry whoever the server puts in them). */
  slotsReady: [tracks: MediaStreamTrack[]];
};

/**
 * Negotiations in a row after which a subscription the answer left not receiving (without rejecting it) is no longer
 * offered again at once, but after SLOW_RETRY_MS, doubling up to SLOW_RETRY_MAX_MS (as failed negotiations are), until
 * it receives, is rejected, or the server's `producerRemoved` ends it.
 */
const MAX_RECONCILE_RUNS = 3;

interface Publication {
  transceiver: RTCRtpTransceiver;
  source: MediaSource;
}

interface Subscription {
  transceiver: RTCRtpTransceiver;
  producer: ProducerInfo;
  attached: boolean;
}

/**
 * The one RTCPeerConnection to the server's SFU. We always offer (the SFU is ICE-lite and only answers):
 * a sendonly section per published track (camera video with simulcast), a recvonly section per
 * subscribed producer. Negotiations run one at a time; changes meanwhile share the next offer.
 */
export class SfuConnection extends Emitter<SfuConnectionEvents> {
  readonly pc: RTCPeerConnection;
  readonly #options: SfuConnectionOptions;
  readonly #publications = new Map<MediaStreamTrack, Publication>();
  readonly #subscriptions = new Map<string, Subscription>();
  /** Receivers set inactive and answered so: reusable for the next subscription of their kind. */
  readonly #spare: RTCRtpTransceiver[] = [];
  /** Receivers set inactive, not yet negotiated so. */
  #releasing: RTCRtpTransceiver[] = [];
  /** Audio-only rooms: one receiving audio section per slot, for the connection's life (no renegotiation on joins). */
  readonly #slots: RTCRtpTransceiver[] = [];
  #slotsReady = false;
  #data: SfuDataChannels | undefined;
  readonly #peer: ServerPeer;
  #reconcileRuns = 0;
  #reconcileTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: SfuConnectionOptions) {
    super();
    this.#options = options;
    this.#peer = new ServerPeer({
      configuration: options.configuration,
      label: 'SFU',
      exchange: () => this.#exchange(),
      // The SFU is gone or the room is not an SFU room: a retry would fail the same way.
      finalCodes: ['SFU_UNAVAILABLE', 'WRONG_TOPOLOGY', 'AUDIO_ONLY'],
      onConnectionStateChange: (state) => this.emit('connectionStateChanged', state),
      ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    this.pc = this.#peer.pc;
    this.pc.oniceconnectionstatechange = () => {
      if (this.pc.iceConnectionState === 'failed') this.restartIce();
    };
  }

  get closed(): boolean {
    return this.#peer.closed;
  }

  /** Resolves once every change made so far is negotiated (or failed). */
  negotiate(): Promise<void> {
    return this.#peer.negotiate();
  }

  publish(track: MediaStreamTrack, stream: MediaStream, source: MediaSource): void {
    if (this.closed || this.#publications.has(track)) return;
    const video = track.kind === 'video' ? resolveVideoCodec(this.#options.videoCodec ?? 'vp8') : undefined;
    const sendEncodings = video ? encodingsForCodec(sendEncodingsFor(source), video.codec) : undefined;
    const transceiver = this.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream], ...(sendEncodings ? { sendEncodings } : {}) });
    if (video?.order && !applyCodecOrder(transceiver, video.order)) this.#options.log?.(`SFU: cannot prefer ${video.codec}, publishing with the default codec`);
    this.#publications.set(track, { transceiver, source });
    void this.negotiate();
  }

  unpublish(track: MediaStreamTrack): void {
    const p = this.#publications.get(track);
    if (!p || this.closed) return;
    this.#publications.delete(track);
    p.transceiver.direction = 'inactive';
    void p.transceiver.sender.replaceTrack(null).catch(() => undefined);
    void this.negotiate();
  }

  /** Swaps a published track for another of the same kind, without renegotiation. */
  async replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack): Promise<void> {
    const p = this.#publications.get(oldTrack);
    if (!p || this.closed) return;
    await p.transceiver.sender.replaceTrack(newTrack);
    this.#publications.delete(oldTrack);
    this.#publications.set(newTrack, p);
  }

  get publishedTracks(): MediaStreamTrack[] {
    return [...this.#publications.keys()];
  }

  subscribe(producer: ProducerInfo): void {
    if (this.closed || this.#subscriptions.has(producer.id)) return;
    const i = this.#spare.findIndex((t) => t.receiver.track.kind === producer.kind);
    let transceiver: RTCRtpTransceiver;
    if (i >= 0) {
      transceiver = this.#spare.splice(i, 1)[0] as RTCRtpTransceiver;
      transceiver.direction = 'recvonly';
    } else {
      transceiver = this.pc.addTransceiver(producer.kind, { direction: 'recvonly' });
    }
    this.#subscriptions.set(producer.id, { transceiver, producer, attached: false });
    void this.negotiate();
  }

  /** Audio-only rooms: `count` receiving audio sections for the loudest voices (once). */
  openSlots(count: number): void {
    if (this.closed || this.#slots.length > 0) return;
    for (let i = 0; i < count; i++) this.#slots.push(this.pc.addTransceiver('audio', { direction: 'recvonly' }));
    void this.negotiate();
  }

  /** The slots' tracks, in slot order (empty outside audio-only rooms). */
  get slotTracks(): MediaStreamTrack[] {
    return this.#slots.map((t) => t.receiver.track);
  }

  unsubscribe(producerId: string): void {
    const sub = this.#subscriptions.get(producerId);
    if (!sub || this.closed) return;
    this.#subscriptions.delete(producerId);
    sub.transceiver.direction = 'inactive';
    this.#releasing.push(sub.transceiver);
    if (sub.attached) this.emit('trackRemoved', sub.producer, sub.transceiver.receiver.track);
    void this.negotiate();
  }

  /**
   * The room data channels, terminated at the SFU (once per connection; the next offer carries the m=application
   * section): `parley-data` reliable and ordered, `parley-data-lossy` unordered without retransmissions.
   */
  openDataChannels(): SfuDataChannels | undefined {
    if (this.closed) return undefined;
    if (!this.#data) {
      this.#data = {
        reliable: this.pc.createDataChannel(DATA_CHANNEL_LABELS.reliable),
        lossy: this.pc.createDataChannel(DATA_CHANNEL_LABELS.lossy, { ordered: false, maxRetransmits: 0 }),
      };
      void this.negotiate();
    }
    return this.#data;
  }

  /** The subscribed producer a received track belongs to. */
  producerOf(track: MediaStreamTrack): ProducerInfo | undefined {
    for (const sub of this.#subscriptions.values()) if (sub.attached && sub.transceiver.receiver.track === track) return sub.producer;
    return undefined;
  }

  /** Received tracks (negotiated subscriptions) with their producer and section. */
  get received(): Array<{ producer: ProducerInfo; track: MediaStreamTrack; mid: string | null }> {
    return [...this.#subscriptions.values()]
      .filter((s) => s.attached)
      .map((s) => ({ producer: s.producer, track: s.transceiver.receiver.track, mid: s.transceiver.mid }));
  }

  /** `layersWanted`: sends only the simulcast encodings someone watches (RFC 8853 rids). */
  async setLayers(mid: string, rids: readonly string[]): Promise<void> {
    const p = [...this.#publications.values()].find((x) => x.transceiver.mid === mid);
    if (!p || this.closed) return;
    const sender = p.transceiver.sender;
    const params = sender.getParameters();
    if (params.encodings.length <= 1) return;
    const flags = activeLayers(params.encodings.map((e) => e.rid), rids);
    if (params.encodings.every((e, i) => e.active === flags[i])) return;
    params.encodings.forEach((e, i) => (e.active = flags[i] ?? true));
    await sender.setParameters(params);
  }

  restartIce(): void {
    this.#peer.restartIce();
  }

  async #exchange(): Promise<void> {
    const pc = this.pc;
    await pc.setLocalDescription(await pc.createOffer());
    const releasing = this.#releasing;
    this.#releasing = [];
    const publish = [...this.#publications.values()].flatMap((p) => (p.transceiver.mid ? [{ mid: p.transceiver.mid, source: p.source }] : []));
    const subscribe = [...this.#subscriptions.values()].flatMap((s) => (s.transceiver.mid ? [{ mid: s.transceiver.mid, producerId: s.producer.id }] : []));
    const slots = this.#slots.flatMap((t) => (t.mid ? [t.mid] : []));
    let answer: SfuOfferAnswer;
    try {
      answer = await this.#options.offer({ sdp: pc.localDescription?.sdp ?? '', publish, subscribe, ...(slots.length > 0 ? { slots } : {}) });
      if (this.closed) return;
      await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    } catch (error) {
      // Back to the last agreed state; the next offer carries these changes again.
      this.#releasing.unshift(...releasing);
      await this.#peer.rollback();
      throw error;
    }
    this.#spare.push(...releasing.filter((t) => t.direction === 'inactive'));
    this.#attach();
    for (const r of answer.rejected ?? []) this.#rejected(r.producerId, ParleyError.from(r.error));
    this.#reconcile(new Set(subscribe.map((s) => s.producerId)));
  }

  /**
   * Subscriptions this offer listed that its answer left not receiving, though not rejected (a receiver reused while
   * the offer was being made, say, so the offer still said inactive): offered again, a few times in a row at most,
   * instead of waiting for some unrelated change while the participant's tile stays empty.
   */
  #reconcile(offered: ReadonlySet<string>): void {
    const waiting = [...this.#subscriptions.values()].filter((s) => !s.attached && offered.has(s.producer.id));
    if (waiting.length === 0) {
      this.#reconcileRuns = 0;
      return;
    }
    const slow = this.#reconcileRuns >= MAX_RECONCILE_RUNS;
    const delay = slow ? Math.min(SLOW_RETRY_MAX_MS, SLOW_RETRY_MS * 2 ** (this.#reconcileRuns - MAX_RECONCILE_RUNS)) : 0;
    this.#reconcileRuns++;
    this.#options.log?.(`SFU: the answer left ${waiting.map((s) => `${s.producer.kind} of ${s.producer.participantId}`).join(', ')} not receiving; offering again${slow ? ` in ${delay} ms` : ''}`);
    if (!slow) {
      void this.negotiate();
      return;
    }
    clearTimeout(this.#reconcileTimer);
    this.#reconcileTimer = setTimeout(() => {
      this.#reconcileTimer = undefined;
      if (!this.closed) void this.negotiate();
    }, delay);
  }

  /** The SFU answered a subscription inactive for good: its receiver becomes spare, and the app is told. */
  #rejected(producerId: string, error: ParleyError): void {
    const sub = this.#subscriptions.get(producerId);
    if (!sub || sub.attached) return;
    this.#subscriptions.delete(producerId);
    sub.transceiver.direction = 'inactive';
    this.#releasing.push(sub.transceiver);
    this.#options.log?.(`SFU: subscription to ${producerId} rejected (${error.code})`, error.message);
    this.emit('subscriptionFailed', sub.producer, error);
  }

  /** Subscriptions whose section the answer made receiving get their track announced, once. */
  #attach(): void {
    if (!this.#slotsReady && this.#slots.length > 0 && this.#slots.every((t) => t.currentDirection === 'recvonly')) {
      this.#slotsReady = true;
      this.emit('slotsReady', this.slotTracks);
    }
    for (const sub of this.#subscriptions.values()) {
      const dir = sub.transceiver.currentDirection;
      if (sub.attached || (dir !== 'recvonly' && dir !== 'sendrecv')) continue;
      sub.attached = true;
      this.emit('trackAdded', sub.producer, sub.transceiver.receiver.track, sub.transceiver.receiver);
    }
  }

  /** Closes the connection; every received track is announced removed. Idempotent. */
  close(): void {
    if (this.closed) return;
    clearTimeout(this.#reconcileTimer);
    const attached = [...this.#subscriptions.values()].filter((s) => s.attached);
    this.#subscriptions.clear();
    this.#peer.close();
    for (const s of attached) this.emit('trackRemoved', s.producer, s.transceiver.receiver.track);
  }
}
