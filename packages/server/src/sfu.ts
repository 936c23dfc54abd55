import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { MediaEndpoint, Router, SdpError, SfuTransport, addRepairStats, emptyRepairStats, type RoutedProducer } from '@parley/media';
import { ProtocolError, type ClientMessage, type ErrorCode } from '@parley/protocol';
import type { Config } from './config.ts';
import { DataRelay, dataChannelDrops } from './data-relay.ts';
import { tuneHeapGrowing } from './heap-tuning.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { producerInfo, type Room } from './room.ts';
import type { Session } from './session.ts';

/** Transport feedback (TWCC) every 50 ms; speaker detection and layer bookkeeping every 250 ms. */
const TICK_MS = 50;
const ROUTER_EVERY = 5;
/**
 * An SFU connection that has sent nothing for this long is closed and its producers end for everyone: RFC 7675
 * consent expires after 30 s without checks, and browsers check every ~5 s while the connection lives.
 */
export const SFU_IDLE_TIMEOUT_MS = 30_000;
/** A subscriber hears of its downlink estimate (`sfuBandwidth`) at most this often, and only when it moved by 15 %. */
const BANDWIDTH_EVERY = 20;
const BANDWIDTH_CHANGE = 0.15;
/** SfuTransportStats counters of publishers' RTX streams, summed into parley_sfu_rtx_packets_total. */
const RTX_COUNTERS = ['rtxIn', 'rtxPadding', 'rtxDuplicates', 'rtxDropped'] as const;

type SfuOfferMessage = Extract<ClientMessage, { type: 'sfuOffer' }>;

/**
 * The SFU as the application sees it: one media endpoint for the whole server, a router per room, and an SFU
 * transport per participant. Turns signaling requests into media-plane calls and media-plane events into
 * notifications; the media plane itself knows nothing about sessions.
 */
export class SfuService {
  readonly endpoint: MediaEndpoint;
  /** Where a peer inside this server reaches the endpoint: the listening address (loopback for a wildcard). */
  readonly internalAddress: string;
  readonly #transports = new Map<string, { transport: SfuTransport; room: Room }>();
  readonly #rooms = new Set<Room>();
  /** Loss-repair counts of the rooms whose router is gone. */
  readonly #releasedRepair = emptyRepairStats();
  /** RTX counts of the transports that are gone. */
  readonly #releasedRtx: Record<(typeof RTX_COUNTERS)[number], number> = { rtxIn: 0, rtxPadding: 0, rtxDuplicates: 0, rtxDropped: 0 };
  readonly #log: Logger;
  readonly #metrics: Metrics;
  readonly #timer: NodeJS.Timeout;
  #ticks = 0;
  readonly #sentEstimates = new WeakMap<SfuTransport, { estimateBps: number; congested: boolean }>();
  /** Transports whose video is paused for congestion, as last logged. */
  readonly #congestionPaused = new WeakSet<SfuTransport>();
  readonly #producerListeners: Array<(room: Room) => void> = [];
  /** Room data over the participants' SFU data channels. */
  readonly data: DataRelay;

  private constructor(endpoint: MediaEndpoint, logger: Logger, metrics: Metrics, listenAddress: string, data: Config['media']['data']) {
    this.endpoint = endpoint;
    this.data = new DataRelay(data, metrics, logger);
    this.internalAddress = listenAddress === '0.0.0.0' ? '127.0.0.1' : listenAddress === '::' ? '::1' : listenAddress;
    this.#log = logger.child({ component: 'sfu' });
    this.#metrics = metrics;
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#timer.unref();
  }

  /** Starts the media endpoint; undefined (and a warning) when its port is taken, so the server still runs mesh rooms. */
  static async start(config: Config, logger: Logger, metrics: Metrics): Promise<SfuService | undefined> {
    if (!config.media.enabled) return undefined;
    const growing = tuneHeapGrowing(config.media.heapGrowingPercent);
    if (growing !== undefined) logger.debug({ heapGrowingPercent: growing }, 'V8 heap growing factor set for the packet path');
    const host = config.media.host ?? config.server.host;
    const listenAddress = host === 'localhost' ? '127.0.0.1' : host;
    try {
      const wildcard = listenAddress === '0.0.0.0' || listenAddress === '::';
      const announcedAddress = config.media.announcedAddress ?? (wildcard ? firstLanAddress() : undefined);
      const options = { listenAddress, port: config.media.port, ...(announcedAddress ? { announcedAddress } : {}) };
      const tcpPort = config.media.tcpPort ?? config.media.port;
      let endpoint: MediaEndpoint;
      try {
        endpoint = await MediaEndpoint.create({ ...options, ...(tcpPort === false ? {} : { tcpPort }) });
      } catch (err) {
        if (tcpPort === false || !isPortUnavailable(err)) throw err;
        // UDP is what nearly every client uses: a taken TCP port costs only the clients that block UDP.
        endpoint = await MediaEndpoint.create(options);
        logger.warn({ err: (err as Error).message, tcpPort }, 'ICE-TCP port unavailable: the SFU runs on UDP only (set media.tcpPort)');
      }
      if (wildcard && !config.media.announcedAddress) {
        logger.warn({ announcedAddress: endpoint.announcedAddress }, 'media.host is a wildcard address: the SFU announces this interface address; set media.announcedAddress if clients reach the server at another one');
      }
      logger.info({ address: endpoint.hostCandidate, tcp: endpoint.tcpCandidate }, 'SFU media endpoint listening (UDP and ICE-TCP)');
      return new SfuService(endpoint, logger, metrics, listenAddress, config.media.data);
    } catch (err) {
      if (isPortUnavailable(err)) {
        logger.warn({ err: (err as Error).message }, 'SFU media port unavailable: rooms stay mesh (set media.port)');
        return undefined;
      }
      throw err;
    }
  }

  /** Scrape-time metrics: the counters live in the endpoint and transports, not in per-packet metric calls. */
  collectMetrics(): void {
    const metrics = this.#metrics;
    const stats = this.endpoint.stats;
    metrics.sfuDropped.set({ reason: 'stun_unauthenticated' }, stats.stunUnauthenticated);
    metrics.sfuDropped.set({ reason: 'stun_unknown_username' }, stats.stunUnknownUsername);
    metrics.sfuDropped.set({ reason: 'stun_malformed' }, stats.stunMalformed);
    metrics.sfuDropped.set({ reason: 'unknown_source' }, stats.unknownSource);
    metrics.sfuDropped.set({ reason: 'internal_error' }, stats.internalErrors);
    const tcp = this.endpoint.tcpStats;
    if (tcp) {
      metrics.sfuDropped.set({ reason: 'tcp_queue_full' }, tcp.framesDropped);
      metrics.sfuDropped.set({ reason: 'tcp_refused' }, tcp.connectionsRefused);
      metrics.sfuDropped.set({ reason: 'tcp_unauthenticated' }, tcp.connectionsTimedOut);
    }
    let unknownSsrc = 0;
    const rtx = { ...this.#releasedRtx };
    let rtpIn = 0;
    let rtpOut = 0;
    let srtpFailures = 0;
    for (const { transport } of this.#transports.values()) {
      unknownSsrc += transport.stats.unknownSsrc + transport.stats.ssrcLimit;
      rtpIn += transport.stats.rtpIn;
      rtpOut += transport.stats.rtpOut;
      for (const k of RTX_COUNTERS) rtx[k] += transport.stats[k];
      for (const n of Object.values(transport.peer?.stats.srtpFailures ?? {})) srtpFailures += n ?? 0;
    }
    const peers = [...this.#transports.values()].flatMap(({ transport }) => (transport.peer ? [transport.peer] : []));
    for (const [reason, n] of Object.entries(dataChannelDrops(peers))) metrics.sfuDropped.set({ reason }, n);
    metrics.sfuDropped.set({ reason: 'unknown_ssrc' }, unknownSsrc);
    metrics.sfuDropped.set({ reason: 'srtp_failure' }, srtpFailures);
    metrics.sfuPackets.set({ direction: 'in' }, rtpIn);
    metrics.sfuPackets.set({ direction: 'out' }, rtpOut);
    metrics.sfuRtx.set({ kind: 'retransmission' }, rtx.rtxIn - rtx.rtxPadding - rtx.rtxDuplicates - rtx.rtxDropped);
    metrics.sfuRtx.set({ kind: 'duplicate' }, rtx.rtxDuplicates);
    metrics.sfuRtx.set({ kind: 'padding' }, rtx.rtxPadding);
    metrics.sfuRtx.set({ kind: 'unplaced' }, rtx.rtxDropped);
    let producers = 0;
    let consumers = 0;
    const repair = { ...this.#releasedRepair };
    for (const room of this.#rooms) {
      producers += room.router?.size ?? 0;
      consumers += room.router?.consumerCount() ?? 0;
      if (room.router) addRepairStats(repair, room.router.repairStats());
    }
    metrics.sfuRepairs.set({ event: 'nack_to_publisher' }, repair.nacksToPublishers);
    metrics.sfuRepairs.set({ event: 'lost_for_good' }, repair.lostForGood);
    metrics.sfuRepairs.set({ event: 'lost_media_keyframe' }, repair.mediaLostForGood);
    metrics.sfuRepairs.set({ event: 'lost_upper_layer' }, repair.upperLayerLostForGood);
    metrics.sfuRepairs.set({ event: 'late_after_giving_up' }, repair.lateAfterGivingUp);
    metrics.sfuRepairs.set({ event: 'retransmitted' }, repair.retransmittedToSubscribers);
    metrics.sfuRepairs.set({ event: 'resend_too_soon' }, repair.resendTooSoon);
    metrics.sfuRepairs.set({ event: 'resend_over_budget' }, repair.resendOverBudget);
    metrics.sfuTemporalDropped.set(repair.temporalLeftOut);
    this.#metrics.sfuTransports.set(this.#transports.size);
    this.#metrics.sfuProducers.set(producers);
    this.#metrics.sfuConsumers.set(consumers);
  }

  #routerFor(room: Room): NonNullable<Room['router']> {
    if (room.router) return room.router;
    const router = new Router({
      ...(room.audioOnly ? { audioSlots: room.audioOnly.loudest, onAudioSlots: (participantId: string, slots: Array<string | null>) => room.get(participantId)?.notify({ type: 'audioSlots', slots }) } : {}),
      onActiveSpeaker: (participantId, speaking) => room.broadcast({ type: 'activeSpeaker', participantId, speaking }),
      onLayersWanted: (routed, rids) => room.get(routed.ownerId)?.notify({ type: 'layersWanted', producerId: routed.producer.id, mid: routed.mid, rids }),
    });
    room.router = router;
    this.#rooms.add(room);
    return router;
  }

  /** Handles `sfuOffer`: the answer SDP, after announcing new producers and ending dropped ones. */
  offer(session: Session, room: Room, msg: SfuOfferMessage): { sdp: string; rejected?: Array<{ producerId: string; error: { code: ErrorCode; message: string } }> } {
    let entry = this.#transports.get(session.id);
    if (!entry && room.topology !== 'sfu') throw new ProtocolError('WRONG_TOPOLOGY', 'this room is not using the SFU now');
    if (msg.publish.length > 0 && !session.grants.publish) throw new ProtocolError('FORBIDDEN', 'this token does not grant publishing');
    const slots = msg.slots ?? [];
    if ((msg.subscribe.length > 0 || slots.length > 0) && !session.grants.subscribe) throw new ProtocolError('FORBIDDEN', 'this token does not grant subscribing');
    if (room.audioOnly) {
      const video = msg.publish.find((p) => p.source !== 'microphone');
      if (video) throw new ProtocolError('AUDIO_ONLY', `this room is audio-only: "${video.source}" cannot be published (microphones only)`);
      if (msg.subscribe.length > 0) throw new ProtocolError('AUDIO_ONLY', 'this room is audio-only: subscribe through slots, not producers');
      if (slots.length > room.audioOnly.loudest) throw new ProtocolError('BAD_REQUEST', `this room has ${room.audioOnly.loudest} audio slots, not ${slots.length}`);
    } else if (slots.length > 0) throw new ProtocolError('WRONG_TOPOLOGY', 'audio slots exist only in audio-only rooms');
    const router = this.#routerFor(room);
    // A producer that ended while this offer was on its way is answered inactive, not an error: the client
    // learns of it from producerRemoved and the rest of its offer still applies.
    if (!entry) {
      const transport = new SfuTransport({
        id: randomBytes(6).toString('base64url'),
        ownerId: session.participant.id,
        endpoint: this.endpoint,
        router,
        // A certificate that does not match the offer's fingerprint, or no SRTP profile in common: media cannot flow.
        onDtlsFailed: (error) => this.#log.warn({ room: room.id, participant: session.participant.id, err: error.message }, 'SFU DTLS handshake failed'),
      });
      entry = { transport, room };
      this.#transports.set(session.id, entry);
    }
    let result;
    try {
      result = entry.transport.negotiate(msg.sdp, new Map(msg.publish.map((p) => [p.mid, { source: p.source }])), new Map(msg.subscribe.map((s) => [s.mid, s.producerId])), slots);
    } catch (err) {
      if (err instanceof SdpError) throw new ProtocolError('INVALID_SDP', `${err.code}: ${err.message}`);
      throw err;
    }
    this.#announce(room, result.added, result.removed);
    if (entry.transport.peer) this.data.attach(room, session.participant.id, entry.transport.peer);
    // A subscription the subscriber cannot decode (no common codec) is answered inactive; the client learns why.
    const rejected = result.rejected.map((r) => ({ producerId: r.producerId, error: { code: r.code, message: r.message } }));
    for (const r of rejected) this.#log.info({ room: room.id, participant: session.participant.id, producer: r.producerId, err: r.error.message }, 'SFU subscription rejected: no common codec');
    return rejected.length > 0 ? { sdp: result.sdp, rejected } : { sdp: result.sdp };
  }

  /**
   * A subscriber inside this server (the MCU's feed of an SFU room), keyed apart from sessions: its offer is
   * answered here, never over signaling. `subscribe` maps its receiving mids to producer ids.
   */
  internalOffer(room: Room, key: string, sdp: string, subscribe: ReadonlyMap<string, string>): string {
    const id = `internal:${key}`;
    let entry = this.#transports.get(id);
    if (!entry) {
      const transport = new SfuTransport({ id: randomBytes(6).toString('base64url'), ownerId: key, endpoint: this.endpoint, router: this.#routerFor(room) });
      entry = { transport, room };
      this.#transports.set(id, entry);
    }
    try {
      return entry.transport.negotiate(sdp, new Map(), subscribe).sdp;
    } catch (err) {
      if (err instanceof SdpError) throw new ProtocolError('INVALID_SDP', `${err.code}: ${err.message}`);
      throw err;
    }
  }

  closeInternal(key: string): void {
    this.#forget(`internal:${key}`)?.transport.close();
  }

  /** Takes a transport out of the service (the caller closes it), keeping its counters for the metrics. */
  #forget(id: string): { transport: SfuTransport; room: Room } | undefined {
    const entry = this.#transports.get(id);
    if (!entry) return undefined;
    this.#transports.delete(id);
    for (const k of RTX_COUNTERS) this.#releasedRtx[k] += entry.transport.stats[k];
    return entry;
  }

  /** Calls `listener` whenever producers of a room were added or removed. */
  watchProducers(listener: (room: Room) => void): void {
    this.#producerListeners.push(listener);
  }

  preference(session: Session, producerId: string, width: number, height: number): void {
    const entry = this.#transports.get(session.id);
    if (!entry?.transport.setPreference(producerId, width, height)) throw new ProtocolError('UNKNOWN_PRODUCER', `not subscribed to "${producerId}"`);
  }

  /** The participant's SFU connection ends (sfuLeave, or it left the room). */
  leave(session: Session): void {
    const entry = this.#forget(session.id);
    if (!entry) return;
    const removed = entry.transport.close();
    this.#announce(entry.room, [], removed);
  }

  /** The room is gone or back to mesh with nobody left on the SFU: drop its router. */
  releaseRoom(room: Room): void {
    for (const [id, entry] of this.#transports) if (entry.room === room) this.#forget(id)?.transport.close();
    if (room.router) addRepairStats(this.#releasedRepair, room.router.repairStats());
    room.router?.close();
    room.router = undefined;
    this.#rooms.delete(room);
  }

  /** What the SFU is doing, per participant: for debugging, tests and an operator's dashboard. */
  snapshot(): Array<Record<string, unknown>> {
    return [...this.#transports.values()].map(({ transport, room }) => ({
      room: room.id,
      participant: transport.ownerId,
      ice: transport.peer?.iceState,
      dtls: transport.peer?.dtlsState,
      estimateBps: Math.round(transport.feedback.estimate),
      transport: { ...transport.stats },
      feedback: { ...transport.feedback.stats },
      producers: transport.producers().map((r) => ({ id: r.producer.id, kind: r.producer.kind, source: r.source, layers: r.producer.layers(), stats: { ...r.producer.stats } })),
      consumers: transport.consumers().map((c) => ({ id: c.id, producer: c.producer.id, kind: c.kind, paused: c.paused, currentLayer: c.currentLayer, targetLayer: c.targetLayer, maxTemporalLayer: c.maxTemporalLayer, stats: { ...c.stats } })),
      slots: transport.slotConsumers().map((s) => ({ id: s.id, producer: s.source?.id ?? null, stats: { ...s.stats } })),
      dataChannels: transport.peer ? { channels: transport.peer.dataChannels.channels().map((c) => c.label), stats: { ...transport.peer.dataChannels.stats } } : undefined,
    }));
  }

  hasTransport(session: Session): boolean {
    return this.#transports.has(session.id);
  }

  transportCount(room: Room): number {
    let n = 0;
    for (const entry of this.#transports.values()) if (entry.room === room) n++;
    return n;
  }

  #announce(room: Room, added: RoutedProducer[], removed: RoutedProducer[]): void {
    for (const routed of removed) room.broadcast({ type: 'producerRemoved', producerId: routed.producer.id, participantId: routed.ownerId }, routed.ownerId);
    for (const routed of added) {
      room.broadcast({ type: 'producerAdded', producer: producerInfo(routed) }, routed.ownerId);
      this.#log.debug({ room: room.id, participant: routed.ownerId, producer: routed.producer.id, kind: routed.producer.kind, layers: routed.producer.rids }, 'producer added');
    }
    if (added.length + removed.length === 0) return;
    for (const listener of this.#producerListeners) {
      try {
        listener(room);
      } catch (err) {
        this.#log.error({ err, room: room.id }, 'producer listener failed');
      }
    }
  }

  /** Tells each subscriber its downlink estimate when it moved or congestion changed (the SDK's low-bandwidth policy reads it). */
  #tellEstimates(): void {
    for (const { transport, room } of this.#transports.values()) {
      if (transport.consumers().length === 0) continue;
      const estimateBps = Math.round(transport.feedback.estimate);
      const congested = transport.congested;
      const paused = transport.congestionPaused;
      if (paused !== this.#congestionPaused.has(transport)) {
        if (paused) this.#congestionPaused.add(transport);
        else this.#congestionPaused.delete(transport);
        this.#log.info({ room: room.id, participant: transport.ownerId, estimateBps }, paused ? 'downlink congested: video that does not fit paused' : 'downlink recovered: video resumed');
      }
      const last = this.#sentEstimates.get(transport);
      if (last && last.congested === congested && Math.abs(estimateBps - last.estimateBps) <= last.estimateBps * BANDWIDTH_CHANGE) continue;
      const session = room.get(transport.ownerId);
      if (!session) continue;
      this.#sentEstimates.set(transport, { estimateBps, congested });
      session.notify({ type: 'sfuBandwidth', estimateBps, congested });
    }
  }

  #tick(): void {
    const now = performance.now();
    this.#ticks++;
    for (const { transport } of this.#transports.values()) {
      try {
        transport.tick(now);
      } catch (err) {
        this.#log.error({ err }, 'SFU transport tick failed');
      }
    }
    if (this.#ticks % BANDWIDTH_EVERY === 0) this.#tellEstimates();
    if (this.#ticks % ROUTER_EVERY !== 0) return;
    for (const [sessionId, { transport, room }] of this.#transports) {
      const peer = transport.peer;
      if (!peer || now - peer.lastReceivedAt < SFU_IDLE_TIMEOUT_MS) continue;
      this.#log.info({ room: room.id, participant: transport.ownerId }, 'SFU connection silent for 30 s: closed');
      this.#forget(sessionId);
      this.#announce(room, [], transport.close());
    }
    for (const room of this.#rooms) {
      try {
        room.router?.tick(now);
      } catch (err) {
        this.#log.error({ err, room: room.id }, 'SFU router tick failed');
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    for (const room of [...this.#rooms]) this.releaseRoom(room);
    await this.endpoint.close();
  }
}

/** The first non-internal IPv4 address of this machine, what LAN clients most likely reach. */
function firstLanAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

function isPortUnavailable(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL';
}
