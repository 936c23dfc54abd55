import { ErrorCodes, type ErrorCode, type ProducerInfo } from '@parley/protocol';
import type { MediaSourceKind } from '../participant.ts';
import type { SignalClient } from '../signal-client.ts';
import type { VideoCodec } from './codec-preference.ts';
import { SfuConnection, type SfuDataChannels, type SfuOfferAnswer } from './connection.ts';
import { producerSource } from './layers.ts';
import { SizeThrottle } from './size-throttle.ts';

export interface SfuSessionHost {
  signal: Pick<SignalClient, 'request' | 'send'>;
  configuration(): RTCConfiguration;
  localId(): string | undefined;
  trackAdded(producer: ProducerInfo, track: MediaStreamTrack, receiver: RTCRtpReceiver): void;
  trackRemoved(producer: ProducerInfo, track: MediaStreamTrack): void;
  connectionStateChanged(state: RTCPeerConnectionState): void;
  /** Audio-only rooms: the slot tracks are negotiated. */
  slotsReady?(tracks: MediaStreamTrack[]): void;
  /** A new SFU connection made the room data channels (they open once it connects). */
  dataChannels?(channels: SfuDataChannels): void;
  /** The codec to publish video with (see SfuConnectionOptions.videoCodec). */
  videoCodec?: VideoCodec;
  log?: (message: string, detail?: unknown) => void;
}

export interface LocalPublication {
  track: MediaStreamTrack;
  stream: MediaStream;
  source: MediaSourceKind;
}

/**
 * The room's side of the SFU: which producers exist (room state, kept in every topology), and, while
 * media goes through the SFU, the connection that publishes ours and subscribes to everyone else's.
 */
export class SfuSession {
  /** Every producer in the room (others' and ours), by id. */
  readonly producers = new Map<string, ProducerInfo>();
  readonly #host: SfuSessionHost;
  readonly #throttle: SizeThrottle;
  #connection: SfuConnection | undefined;
  /** Whether we subscribe to everyone's producers (off while the MCU downlink shows them). */
  #receiving = true;
  /** Audio-only rooms: how many slots carry the loudest voices (we subscribe to no producer then). */
  #audioSlots: number | undefined;
  /** While set, every video we receive is paused at the SFU (tiles keep their last frame); its sizes wait here. */
  #heldSizes: Map<string, { width: number; height: number }> | undefined;

  constructor(host: SfuSessionHost) {
    this.#host = host;
    this.#throttle = new SizeThrottle({
      send: (producerId, width, height) => {
        if (this.#heldSizes) this.#heldSizes.set(producerId, { width, height });
        else host.signal.send({ type: 'sfuPreference', producerId, width, height });
      },
    });
  }

  get connection(): SfuConnection | undefined {
    return this.#connection;
  }

  /** In an audio-only room, the number of slots; undefined otherwise. */
  get audioSlots(): number | undefined {
    return this.#audioSlots;
  }

  /** Replaces the producer list (a fresh welcome), and says whether the room is audio-only. */
  reset(producers: readonly ProducerInfo[], audioSlots?: number): void {
    this.#audioSlots = audioSlots;
    this.producers.clear();
    for (const p of producers) this.producers.set(p.id, p);
  }

  /** Opens the SFU connection (if not open): publishes our tracks and subscribes to everyone else's producers. */
  open(local: readonly LocalPublication[]): SfuConnection {
    if (this.#connection && !this.#connection.closed) return this.#connection;
    const host = this.#host;
    const connection = new SfuConnection({
      configuration: host.configuration(),
      offer: async (request) => {
        const data = (await host.signal.request({ type: 'sfuOffer', ...request })) as { sdp?: unknown; rejected?: unknown } | undefined;
        if (typeof data?.sdp !== 'string') throw new TypeError('sfuOffer response without an sdp');
        return { sdp: data.sdp, rejected: rejectedSubscriptions(data.rejected) };
      },
      ...(host.videoCodec ? { videoCodec: host.videoCodec } : {}),
      ...(host.log ? { log: host.log } : {}),
    });
    connection.on('trackAdded', (producer, track, receiver) => host.trackAdded(producer, track, receiver));
    connection.on('trackRemoved', (producer, track) => host.trackRemoved(producer, track));
    connection.on('subscriptionFailed', (producer, error) => host.log?.(`cannot receive ${producer.kind} of ${producer.participantId}: ${error.message}`, error));
    connection.on('connectionStateChanged', (state) => host.connectionStateChanged(state));
    connection.on('slotsReady', (tracks) => host.slotsReady?.(tracks));
    this.#connection = connection;
    const data = connection.openDataChannels();
    if (data) host.dataChannels?.(data);
    for (const t of local) this.publish(t.track, t.stream, t.source);
    // Audio-only: fixed slots instead of a subscription per producer, so nobody's join renegotiates us.
    if (this.#audioSlots !== undefined) connection.openSlots(this.#audioSlots);
    else if (this.#receiving) for (const p of this.producers.values()) if (p.participantId !== host.localId()) connection.subscribe(p);
    return connection;
  }

  /** Closes the SFU connection; `tellServer` sends `sfuLeave` first (our producers end for everyone). */
  close(tellServer: boolean): void {
    const connection = this.#connection;
    if (!connection) return;
    this.#connection = undefined;
    this.#throttle.close();
    if (tellServer) this.#host.signal.send({ type: 'sfuLeave' });
    connection.close();
  }

  publish(track: MediaStreamTrack, stream: MediaStream, source: MediaSourceKind): void {
    // An audio-only room refuses anything but a microphone (AUDIO_ONLY): the whole offer would fail.
    if (this.#audioSlots !== undefined && track.kind !== 'audio') return;
    this.#connection?.publish(track, stream, producerSource(track.kind, source));
  }

  unpublish(track: MediaStreamTrack): void {
    this.#connection?.unpublish(track);
  }

  async replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack): Promise<void> {
    await this.#connection?.replaceTrack(oldTrack, newTrack);
  }

  producerAdded(producer: ProducerInfo): void {
    this.producers.set(producer.id, producer);
    if (this.#receiving && this.#audioSlots === undefined && producer.participantId !== this.#host.localId()) this.#connection?.subscribe(producer);
  }

  /** Subscribes to everyone's producers again, or ends every subscription (publishing goes on either way). */
  setReceiving(on: boolean): void {
    if (this.#receiving === on || this.#audioSlots !== undefined) return;
    this.#receiving = on;
    // Nothing is left to pause or resume: new subscriptions start from their tiles' sizes again.
    this.#heldSizes = undefined;
    const connection = this.#connection;
    if (!connection) return;
    for (const p of this.producers.values()) {
      if (p.participantId === this.#host.localId()) continue;
      if (on) connection.subscribe(p);
      else connection.unsubscribe(p.id);
    }
  }

  /**
   * Pauses every video we receive at the SFU (hidden, 0×0), or resumes it with the tile sizes last reported (a tile
   * whose size was never reported gets 640×360). The tracks stay: tiles freeze on their last frame. Used to make room
   * on a congested link for the MCU downlink's composite before the SFU streams end.
   */
  holdVideo(on: boolean): void {
    if (on === (this.#heldSizes !== undefined)) return;
    const held = this.#heldSizes;
    this.#heldSizes = on ? new Map() : undefined;
    for (const { producer } of this.#connection?.received ?? []) {
      if (producer.kind !== 'video') continue;
      if (on) this.#heldSizes?.set(producer.id, this.#throttle.sent(producer.id) ?? UNKNOWN_TILE);
      const size = on ? HIDDEN : (held?.get(producer.id) ?? UNKNOWN_TILE);
      this.#host.signal.send({ type: 'sfuPreference', producerId: producer.id, ...size });
    }
  }

  producerRemoved(producerId: string): void {
    this.producers.delete(producerId);
    this.#throttle.forget(producerId);
    this.#connection?.unsubscribe(producerId);
  }

  /** Drops a participant's producers (they left; the server's producerRemoved may follow). */
  participantLeft(participantId: string): void {
    for (const p of [...this.producers.values()]) if (p.participantId === participantId) this.producerRemoved(p.id);
  }

  layersWanted(mid: string, rids: readonly string[]): void {
    void this.#connection?.setLayers(mid, rids).catch((err: unknown) => this.#host.log?.('setParameters failed', err));
  }

  /** The rendered size of a received video track (device pixels; 0×0 hidden), throttled per producer. */
  setVideoSize(track: MediaStreamTrack, width: number, height: number): void {
    const producer = this.#connection?.producerOf(track);
    if (producer?.kind === 'video') this.#throttle.update(producer.id, width, height);
  }

  /** What of the SFU connection's stats belongs to one participant: their tracks' ids and sections. */
  statsKeys(participantId: string): { trackIds: Set<string>; mids: Set<string> } {
    const trackIds = new Set<string>();
    const mids = new Set<string>();
    for (const r of this.#connection?.received ?? []) {
      if (r.producer.participantId !== participantId) continue;
      trackIds.add(r.track.id);
      if (r.mid) mids.add(r.mid);
    }
    return { trackIds, mids };
  }
}

const HIDDEN = { width: 0, height: 0 };
/** What a held tile resumes at when its size was never reported: the SFU's default (middle) layer of a 720p camera. */
const UNKNOWN_TILE = { width: 640, height: 360 };

/** The `rejected` list of an sfuOffer response, keeping only well-formed entries (the response is not schema-parsed). */
function rejectedSubscriptions(value: unknown): NonNullable<SfuOfferAnswer['rejected']> {
  if (!Array.isArray(value)) return [];
  return value.flatMap((r: { producerId?: unknown; error?: { code?: unknown; message?: unknown } }) => {
    const code = r?.error?.code;
    if (typeof r?.producerId !== 'string' || !ErrorCodes.includes(code as ErrorCode)) return [];
    return [{ producerId: r.producerId, error: { code: code as ErrorCode, message: String(r.error?.message ?? '') } }];
  });
}
