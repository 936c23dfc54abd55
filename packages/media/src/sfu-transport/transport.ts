import { randomBytes, randomInt } from 'node:crypto';
import type { DtlsFingerprint } from '../endpoint/dtls.ts';
import type { MediaEndpoint } from '../endpoint/endpoint.ts';
import type { EndpointPeer } from '../endpoint/peer.ts';
import { SdpError, parseSdpOffer } from '../endpoint/sdp.ts';
import { Consumer } from '../sfu/consumer.ts';
import type { SlotConsumer } from '../sfu/slot-consumer.ts';
import { Producer, type ProducerCodec } from '../sfu/producer.ts';
import { newRtpView, readRtpView } from '../sfu/rtp-view.ts';
import { unwrapRtx } from '../rtx.ts';
import type { PacketAllocator } from '../sfu/write-forwarded.ts';
import { serializeNack, serializePli } from '../rtcp-feedback.ts';
import { MediaFeedback } from './feedback.ts';
import { extensionText, findExtension } from './header-extension.ts';
import type { RoutedProducer, Router } from './router.ts';
import { createSfuAnswer, type AnsweredSection, type SubscribePlan } from './sdp.ts';
import { DownlinkLayers } from './downlink-layers.ts';
import type { Preference } from './layer-policy.ts';
import { ResendBudget } from './resend-budget.ts';
import { TransportSlots } from './transport-slots.ts';

/** At most this many inbound SSRCs per transport (3 simulcast layers × a few tracks): hostile SSRCs cannot grow memory. */
const MAX_INBOUND_SSRCS = 32;

export interface PublishRequest {
  source: string;
}

/** A subscription the answer left inactive: the subscriber's offer has no codec that can decode the producer's. */
export interface RejectedSubscription {
  mid: string;
  producerId: string;
  code: 'UNSUPPORTED_CODEC';
  message: string;
}

export interface NegotiateResult {
  sdp: string;
  /** Producers this offer created (announce them), and those it ended. */
  added: RoutedProducer[];
  removed: RoutedProducer[];
  rejected: RejectedSubscription[];
}

export interface SfuTransportStats {
  rtpIn: number;
  rtpOut: number;
  unknownSsrc: number;
  ssrcLimit: number;
  notConnected: number;
  /** RTX packets from publishers (RFC 4588): retransmissions restored onto their media stream, and padding. */
  rtxIn: number;
  /** Of those, padding-only (bandwidth probes): counted for transport feedback, then dropped. */
  rtxPadding: number;
  /** Of those, copies of packets the producer holds (Chrome probes with copies of recent packets too): dropped. */
  rtxDuplicates: number;
  /** Of those, retransmissions dropped: malformed, or of a layer whose media stream has not been seen yet. */
  rtxDropped: number;
}

interface Inbound {
  producer: Producer;
  layer: number;
  /** An RTX stream (RFC 4588) repairing that layer, and the media payload type it restores. */
  rtx?: { payloadType: number };
}

/**
 * One participant's connection to the SFU: a peer on the shared endpoint, the producers it publishes and the
 * consumers it subscribes, and the RTCP that ties them together (feedback in both directions, reports, transport
 * congestion control). It speaks SDP and RTP; the caller (the server) speaks signaling.
 */
export class SfuTransport {
  readonly id: string;
  readonly ownerId: string;
  readonly stats: SfuTransportStats = { rtpIn: 0, rtpOut: 0, unknownSsrc: 0, ssrcLimit: 0, notConnected: 0, rtxIn: 0, rtxPadding: 0, rtxDuplicates: 0, rtxDropped: 0 };
  readonly #endpoint: MediaEndpoint;
  readonly #allocate: PacketAllocator;
  readonly #router: Router;
  #peer: EndpointPeer | undefined;
  readonly #feedback: MediaFeedback;
  /** Bounds the subscriber's NACK answers, shared by its consumers. */
  readonly #resends: ResendBudget;
  /** Our sections by mid, as last answered. */
  #sections = new Map<string, AnsweredSection>();
  readonly #producersByMid = new Map<string, RoutedProducer>();
  readonly #consumersByMid = new Map<string, Consumer>();
  readonly #consumersBySsrc = new Map<number, Consumer>();
  /** Which layer of each video the subscriber gets (tile sizes, estimate, congestion pause). */
  readonly #layers: DownlinkLayers;
  readonly #inbound = new Map<number, Inbound>();
  readonly #cname = randomBytes(8).toString('base64url');
  #midExtension: number | undefined;
  #ridExtension: number | undefined;
  #repairedRidExtension: number | undefined;
  readonly #rtxView = newRtpView();
  #transportCcExtension: number | undefined;
  #closed = false;
  readonly #slots: TransportSlots;

  readonly #onDtlsFailed: ((error: Error) => void) | undefined;

  constructor(options: { id: string; ownerId: string; endpoint: MediaEndpoint; router: Router; onDtlsFailed?: (error: Error) => void }) {
    this.#onDtlsFailed = options.onDtlsFailed;
    this.id = options.id;
    this.ownerId = options.ownerId;
    this.#endpoint = options.endpoint;
    const ring = options.endpoint.sendRing;
    this.#allocate = (size, tailRoom) => ring.alloc(size, tailRoom);
    this.#router = options.router;
    this.#layers = new DownlinkLayers(options.router);
    this.#feedback = new MediaFeedback({ send: (rtcp) => this.#sendRtcp(rtcp) });
    this.#resends = new ResendBudget({ estimate: () => this.#feedback.estimate, rttMs: () => this.#feedback.rttMs });
    this.#slots = new TransportSlots({ ownerId: this.ownerId, router: this.#router, send: (packet, offset) => this.#sendRtp(packet, offset), allocate: this.#allocate });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get peer(): EndpointPeer | undefined {
    return this.#peer;
  }

  get feedback(): MediaFeedback {
    return this.#feedback;
  }

  /** Whether the video that does not fit is paused because the downlink is congested (see CongestionPause). */
  get congestionPaused(): boolean {
    return this.#layers.paused;
  }

  /**
   * Whether the subscriber's link, not the SFU's layer choice, is what limits: even the lowest layers of the tiles
   * shown need more than the estimate, and at least 2 % of what we send is lost (or the video was paused for it).
   */
  get congested(): boolean {
    return this.#layers.congested;
  }

  consumers(): Consumer[] {
    return [...this.#consumersByMid.values()];
  }

  producers(): RoutedProducer[] {
    return [...this.#producersByMid.values()];
  }

  /** Audio slots (audio-only rooms), in slot order. */
  slotConsumers(): SlotConsumer[] {
    return this.#slots.consumers();
  }

  /**
   * Applies one client offer: creates producers for new sending sections in `publish`, consumers for receiving
   * sections in `subscribe` (mid → producer), ends what is no longer asked for, and returns the answer.
   * `slots` (audio-only rooms) lists receiving audio mids that carry the loudest speakers, in slot order.
   * Throws SdpError (a stable code) for an offer we cannot answer; nothing changes then.
   */
  negotiate(offerSdp: string, publish: ReadonlyMap<string, PublishRequest>, subscribe: ReadonlyMap<string, string>, slots: readonly string[] = []): NegotiateResult {
    if (this.#closed) throw new SdpError('MALFORMED', 'the transport is closed');
    const offer = parseSdpOffer(offerSdp);
    if (this.#router.audioSlots !== undefined) {
      // An audio-only room: sending video sections are answered inactive (the server refuses them before this).
      const video = new Set(offer.media.filter((m) => m.kind !== 'audio').map((m) => m.mid));
      publish = new Map([...publish].filter(([mid]) => !video.has(mid)));
    }
    const slotPlans = this.#slots.plans(slots, this.#cname, (ssrc) => this.#consumersBySsrc.has(ssrc));
    const plans = new Map<string, SubscribePlan>(slotPlans);
    for (const [mid, producerId] of subscribe) {
      const routed = this.#router.get(producerId);
      if (!routed || routed.ownerId === this.ownerId || slotPlans.has(mid)) continue;
      const existing = this.#consumersByMid.get(mid);
      const ssrc = existing && existing.producer === routed.producer ? existing.ssrc : this.#newSsrc();
      const { codec: encodingName, clockRate, fmtp } = routed.producer;
      plans.set(mid, { codec: { encodingName, clockRate, ...(fmtp !== undefined ? { fmtp } : {}) }, ssrc, cname: this.#cname, streamId: routed.streamId, trackId: routed.producer.id });
    }
    const remoteUfrag = offer.iceUfrag ?? offer.media[0]?.iceUfrag;
    const peer = this.#ensurePeer(remoteUfrag, offer.fingerprint ?? offer.media[0]?.fingerprint);
    // A new remote ice-ufrag on the same connection is an ICE restart (RFC 8839 §4.4.1.1.1): we restart too.
    if (remoteUfrag && peer.remoteUsernameFragment !== remoteUfrag) this.#endpoint.restartIce(peer, remoteUfrag);
    const answer = createSfuAnswer({
      offer, publish: new Set(publish.keys()), subscribe: plans, iceParameters: peer.iceParameters, fingerprint: this.#endpoint.fingerprint, candidate: this.#endpoint.hostCandidate, tcpCandidate: this.#endpoint.tcpCandidate,
    });
    this.#sections = new Map(answer.sections.map((s) => [s.mid, s]));
    const firstPublish = answer.sections.find((s) => s.role === 'publish');
    const anyWithExt = answer.sections.find((s) => s.extensions.mid !== undefined);
    this.#midExtension = anyWithExt?.extensions.mid;
    this.#ridExtension = answer.sections.find((s) => s.extensions.rid !== undefined)?.extensions.rid;
    this.#repairedRidExtension = answer.sections.find((s) => s.extensions.repairedRid !== undefined)?.extensions.repairedRid;
    this.#transportCcExtension = (firstPublish ?? answer.sections.find((s) => s.extensions.transportCc !== undefined))?.extensions.transportCc;

    const removed: RoutedProducer[] = [];
    const added: RoutedProducer[] = [];
    for (const [mid, routed] of this.#producersByMid) {
      if (this.#sections.get(mid)?.role !== 'publish') removed.push(this.#endProducer(mid, routed));
    }
    for (const [mid, consumer] of this.#consumersByMid) {
      const plan = plans.get(mid);
      if (this.#sections.get(mid)?.role !== 'subscribe' || !plan || plan.ssrc !== consumer.ssrc) this.#endConsumer(mid, consumer);
    }
    for (const section of answer.sections) {
      if (section.role === 'publish' && !this.#producersByMid.has(section.mid)) {
        const routed = this.#createProducer(section, publish.get(section.mid) as PublishRequest);
        if (routed) added.push(routed);
      } else if (section.role === 'subscribe' && !this.#consumersByMid.has(section.mid) && !slotPlans.has(section.mid)) {
        this.#createConsumer(section, plans.get(section.mid) as SubscribePlan, subscribe.get(section.mid) as string);
      }
    }
    this.#slots.apply(slots, this.#sections, slotPlans);
    this.#layers.keepOnly(new Set(this.consumers().map((c) => c.producer.id)));
    const rejected = answer.sections.filter((s) => s.codecMismatch && plans.has(s.mid) && !slotPlans.has(s.mid)).map((s): RejectedSubscription => {
      const plan = plans.get(s.mid) as SubscribePlan;
      const wanted = `${plan.codec.encodingName}${plan.codec.fmtp ? ` (${plan.codec.fmtp})` : ''}`;
      return { mid: s.mid, producerId: subscribe.get(s.mid) as string, code: 'UNSUPPORTED_CODEC', message: `section ${s.mid} offers no codec compatible with the producer's ${wanted}` };
    });
    return { sdp: answer.sdp, added, removed, rejected };
  }

  /** The tile size the subscriber last reported for a producer it receives (undefined: none since it subscribed). */
  preferenceOf(producerId: string): Preference | undefined {
    return this.#layers.preferenceOf(producerId);
  }

  /** The subscriber's tile size for one producer (0×0: hidden). */
  setPreference(producerId: string, width: number, height: number): boolean {
    if (!this.consumers().some((c) => c.producer.id === producerId)) return false;
    this.#layers.setPreference(producerId, width, height);
    return true;
  }

  /** Periodic work: transport feedback, reports, and layer choice. Call every ~50 ms. */
  tick(now: number): void {
    if (this.#closed || !this.#peer?.outboundSrtp) return;
    const consumers = this.consumers();
    this.#feedback.tick(now, consumers);
    this.#layers.tick(now, consumers, this.#feedback.estimate, this.#feedback.estimator.lossRate);
  }

  close(): RoutedProducer[] {
    if (this.#closed) return [];
    this.#closed = true;
    const removed = [...this.#producersByMid].map(([mid, routed]) => this.#endProducer(mid, routed));
    for (const [mid, consumer] of this.#consumersByMid) this.#endConsumer(mid, consumer);
    this.#slots.close();
    this.#inbound.clear();
    this.#peer?.close();
    this.#peer = undefined;
    return removed;
  }

  #newSsrc(): number {
    let ssrc = randomInt(1, 0xffff_fffe);
    while (this.#consumersBySsrc.has(ssrc)) ssrc = randomInt(1, 0xffff_fffe);
    return ssrc;
  }

  #ensurePeer(remoteUfrag: string | undefined, remoteFingerprint: DtlsFingerprint | undefined): EndpointPeer {
    if (this.#peer) return this.#peer;
    if (!remoteUfrag) throw new SdpError('NO_ICE_CREDENTIALS', 'the offer has no a=ice-ufrag');
    if (!remoteFingerprint) throw new SdpError('NO_FINGERPRINT', 'the offer has no a=fingerprint:sha-256');
    const peer = this.#endpoint.createPeer({ remoteUsernameFragment: remoteUfrag, remoteFingerprint });
    peer.events.on('rtp', (packet, ssrc) => this.#onRtp(packet, ssrc));
    peer.events.on('rtcp', (packet) => this.#feedback.onRtcp(packet, (ssrc) => this.#consumersBySsrc.get(ssrc)));
    peer.events.on('dtlsFailed', (error) => this.#onDtlsFailed?.(error));
    peer.events.on('dtlsConnected', () => {
      // A consumer created before the keys existed waits for its first key frame: ask now that we can send.
      for (const c of this.#consumersByMid.values()) c.handleKeyframeRequest();
    });
    this.#peer = peer;
    return peer;
  }

  #onRtp(packet: Buffer, ssrc: number): void {
    this.stats.rtpIn++;
    let inbound = this.#inbound.get(ssrc);
    if (!inbound) {
      inbound = this.#bindSsrc(packet, ssrc);
      if (!inbound) {
        // Its SRTP state would outlive the drop: an SSRC nothing binds costs nothing per SSRC.
        this.#peer?.forgetInboundSsrc(ssrc);
        return;
      }
    }
    const arrivalMs = performance.now();
    if (this.#transportCcExtension !== undefined) {
      const at = findExtension(packet, this.#transportCcExtension);
      if (at >= 0 && at + 2 <= packet.length) this.#feedback.onTransportSequence(packet.readUInt16BE(at), arrivalMs, ssrc);
    }
    if (inbound.rtx) {
      const original = this.#unwrapRtx(packet, inbound, inbound.rtx);
      if (!original) return;
      [packet, ssrc] = original;
    }
    this.#feedback.onMediaPacket(packet, ssrc, inbound.producer.clockRate, arrivalMs);
    inbound.producer.receive(packet, inbound.layer);
  }

  /**
   * An RTX packet as the retransmission it carries (RFC 4588 §4: OSN first, on the media stream's SSRC and payload
   * type), or undefined when it is padding (a bandwidth probe: the transport feedback has counted it already) or
   * cannot be placed.
   */
  #unwrapRtx(packet: Buffer, inbound: Inbound, rtx: NonNullable<Inbound['rtx']>): [Buffer, number] | undefined {
    this.stats.rtxIn++;
    const view = this.#rtxView;
    if (!readRtpView(packet, view)) {
      this.stats.rtxDropped++;
      return undefined;
    }
    if (view.payloadEnd - view.payloadOffset < 2) {
      this.stats.rtxPadding++;
      return undefined;
    }
    const mediaSsrc = inbound.producer.ssrcOf(inbound.layer);
    if (mediaSsrc === undefined) {
      this.stats.rtxDropped++;
      return undefined;
    }
    if (inbound.producer.cached(mediaSsrc, packet.readUInt16BE(view.payloadOffset))) {
      // A copy of a packet we hold: Chrome probes with such copies of recent packets, not only with padding.
      this.stats.rtxDuplicates++;
      return undefined;
    }
    try {
      // Retransmissions come a few a second at most: unwrapRtx's parsing copy costs nothing that matters.
      return [unwrapRtx(packet, { ssrc: mediaSsrc, payloadType: rtx.payloadType }), mediaSsrc];
    } catch {
      // malformed beyond what the view checks (a header extension)
      this.stats.rtxDropped++;
      return undefined;
    }
  }

  /** RFC 8843 §9.2: an unknown SSRC is bound by its MID (and RID, RFC 8852) header extension, or a=ssrc. */
  #bindSsrc(packet: Buffer, ssrc: number): Inbound | undefined {
    if (this.#inbound.size >= MAX_INBOUND_SSRCS) {
      this.stats.ssrcLimit++;
      return undefined;
    }
    const mid = extensionText(packet, this.#midExtension);
    let routed = mid === undefined ? undefined : this.#producersByMid.get(mid);
    if (!routed) {
      for (const [m, r] of this.#producersByMid) if (this.#sections.get(m)?.ssrcs.includes(ssrc)) routed = r;
    }
    if (!routed || packet.length < 2) {
      this.stats.unknownSsrc++;
      return undefined;
    }
    const section = this.#sections.get(routed.mid);
    const isRtx = section?.rtxPayloadType !== undefined && ((packet[1] as number) & 0x7f) === section.rtxPayloadType;
    let layer = 0;
    const rids = routed.producer.rids;
    if (rids) {
      // RFC 8852 §3.2: a layer's RTX stream names it with repaired-rtp-stream-id; a packet we cannot place is dropped.
      const rid = extensionText(packet, isRtx ? this.#repairedRidExtension : this.#ridExtension);
      layer = rid === undefined ? -1 : rids.indexOf(rid);
      if (layer < 0) {
        this.stats.unknownSsrc++;
        return undefined;
      }
    }
    const inbound: Inbound = { producer: routed.producer, layer, ...(isRtx ? { rtx: { payloadType: section.payloadType as number } } : {}) };
    this.#inbound.set(ssrc, inbound);
    return inbound;
  }

  #createProducer(section: AnsweredSection, request: PublishRequest): RoutedProducer | undefined {
    const kind = section.kind === 'audio' ? 'audio' : 'video';
    if (!section.codec || section.payloadType === undefined) return undefined;
    const producer = new Producer({
      id: `${this.id}-${section.mid}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64),
      kind,
      codec: section.codec.encodingName as ProducerCodec,
      clockRate: section.codec.clockRate,
      ...(section.codec.fmtp !== undefined ? { fmtp: section.codec.fmtp } : {}),
      payloadType: section.payloadType,
      ...(section.rids ? { rids: section.rids } : {}),
      ...(section.extensions.audioLevel !== undefined ? { audioLevelExtensionId: section.extensions.audioLevel } : {}),
      requestKeyframe: (ssrc) => this.#sendRtcp(serializePli({ type: 'pli', senderSsrc: this.#feedback.ssrc, mediaSsrc: ssrc })),
      requestRetransmission: section.nack ? (ssrc, seqs) => this.#sendRtcp(serializeNack({ type: 'nack', senderSsrc: this.#feedback.ssrc, mediaSsrc: ssrc, lost: seqs })) : undefined,
    });
    const routed: RoutedProducer = { producer, ownerId: this.ownerId, mid: section.mid, source: request.source, streamId: section.streamId ?? `${this.ownerId}-${request.source}` };
    this.#producersByMid.set(section.mid, routed);
    this.#router.add(routed);
    return routed;
  }

  #endProducer(mid: string, routed: RoutedProducer): RoutedProducer {
    this.#producersByMid.delete(mid);
    for (const [ssrc, inbound] of this.#inbound) {
      if (inbound.producer !== routed.producer) continue;
      this.#inbound.delete(ssrc);
      this.#feedback.forgetSsrc(ssrc);
      this.#peer?.forgetInboundSsrc(ssrc);
    }
    this.#router.remove(routed.producer.id);
    routed.producer.close();
    return routed;
  }

  #createConsumer(section: AnsweredSection, plan: SubscribePlan, producerId: string): void {
    const routed = this.#router.get(producerId);
    if (!routed || section.payloadType === undefined) return;
    const consumer = new Consumer({
      id: `${this.id}-${section.mid}`,
      producer: routed.producer,
      ssrc: plan.ssrc,
      payloadType: section.payloadType,
      // Start on the lowest layer: its key frame is the smallest and comes first; the layer choice moves up from there.
      targetLayer: 0,
      ...(section.extensions.transportCc !== undefined ? { transportCcExtensionId: section.extensions.transportCc } : {}),
      send: (packet, offset) => this.#sendRtp(packet, offset),
      resendGuard: this.#resends,
      // #sendRtp is done with each packet when it returns (encrypted in place, sent): ring memory is enough.
      allocate: this.#allocate,
      onClose: () => this.#forgetConsumer(section.mid, consumer),
    });
    this.#consumersByMid.set(section.mid, consumer);
    this.#consumersBySsrc.set(plan.ssrc, consumer);
    this.#layers.started(consumer, performance.now());
    this.#router.addConsumer(consumer);
  }

  #forgetConsumer(mid: string, consumer: Consumer): void {
    if (this.#consumersByMid.get(mid) === consumer) this.#consumersByMid.delete(mid);
    if (this.#consumersBySsrc.get(consumer.ssrc) === consumer) this.#consumersBySsrc.delete(consumer.ssrc);
    this.#router.removeConsumer(consumer);
    this.#feedback.forgetSsrc(consumer.ssrc);
  }

  #endConsumer(mid: string, consumer: Consumer): void {
    this.#forgetConsumer(mid, consumer);
    consumer.close();
  }

  #sendRtp(packet: Buffer, transportSeqOffset: number): void {
    const peer = this.#peer;
    const srtp = peer?.outboundSrtp;
    if (!peer || !srtp) {
      this.stats.notConnected++;
      return;
    }
    if (transportSeqOffset >= 0) this.#feedback.stampTransportSequence(packet, transportSeqOffset, performance.now());
    // Consumers hand over fresh packets with tail room for the tag (FORWARDED_TAIL_ROOM): encrypt without a copy.
    if (peer.send(srtp.protectRtpInPlace(packet))) this.stats.rtpOut++;
  }

  #sendRtcp(packet: Buffer): void {
    const peer = this.#peer;
    const srtp = peer?.outboundSrtp;
    if (peer && srtp) peer.send(srtp.protectRtcp(packet));
  }
}
