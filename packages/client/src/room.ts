import { assertNever, type Notification, type Participant, type Topology, type Welcome } from '@parley/protocol';
import { Emitter } from './emitter.ts';
import { ParleyError } from './errors.ts';
import { Chat } from './chat.ts';
import { RemoteParticipant, type MediaSourceKind } from './participant.ts';
import type { AudioSlot, LocalParticipantInfo, RoomEvents, RoomOptions } from './room-types.ts';
import { SignalClient } from './signal-client.ts';
import { MediaPaths, type StatsSource } from './sfu/paths.ts';
import { parseSourcesMessage, type MediaState } from './sfu/media-state.ts';
import { MediaStateAnnouncer } from './announcer.ts';
import { LowBandwidthMode } from './mcu/low-bandwidth.ts';
import { RoomData, type SendDataOptions } from './data/room-data.ts';

export type { StatsSource };
export type { AudioSlot, LocalParticipantInfo, RoomEvents, RoomOptions } from './room-types.ts';

/**
 * A room as one participant sees it: the signaling session, the other participants, and the media
 * paths between us (see MediaPaths): a mesh of peer connections, or one connection to the SFU,
 * switched live as the server decides, make before break.
 */
export class Room extends Emitter<RoomEvents> {
  readonly signal: SignalClient;
  /** Room chat (direct data channels where open, the server otherwise; history for late joiners). */
  readonly chat: Chat;
  readonly participants = new Map<string, RemoteParticipant>();
  local: LocalParticipantInfo | undefined;
  readonly #announcer: MediaStateAnnouncer;
  #activeSpeaker: string | undefined;
  #speaking: string[] = [];
  #slotIds: Array<string | null> = [];
  #slotTracks: MediaStreamTrack[] = [];
  readonly #paths: MediaPaths;
  readonly #lowBandwidth: LowBandwidthMode;
  #showSelfInMix = false;
  readonly #data: RoomData;
  #iceServers: RTCIceServer[] = [];

  constructor(options: RoomOptions) {
    super();
    this.signal = new SignalClient(options);
    // The ICE servers of the welcome first (this server's TURN), then the caller's.
    const configuration = (): RTCConfiguration => ({ ...options.rtcConfiguration, iceServers: [...this.#iceServers, ...(options.rtcConfiguration?.iceServers ?? [])] });
    this.#announcer = new MediaStateAnnouncer(this.signal);
    this.chat = new Chat(this);
    this.#data = new RoomData({
      participantIds: () => [...this.participants.keys()],
      canCarryData: () => this.#paths.topology !== 'mcu',
      received: (message) => this.emit('data', message),
      log: (message, detail) => options.log?.(message, detail),
    });
    this.#paths = new MediaPaths({
      signal: this.signal,
      participants: this.participants,
      localId: () => this.local?.id,
      configuration,
      trackSubscribed: (p, track) => this.emit('trackSubscribed', p, track),
      trackUnsubscribed: (p, track) => this.emit('trackUnsubscribed', p, track),
      connectionStateChanged: (p, state) => this.emit('peerConnectionStateChanged', p, state),
      controlChannelOpened: (p, channel) => this.#onControlChannel(p, channel),
      dataChannelOpened: (p, channel) => this.emit('dataChannelOpened', p, channel),
      sendControl: (id, message) => this.#announcer.sendControl(id, message),
      compositeChanged: (stream) => this.emit('compositeChanged', stream),
      showSelfInMix: () => this.#showSelfInMix,
      slotsReady: (tracks) => {
        this.#slotTracks = tracks;
        this.emit('audioSlotsChanged', this.audioSlots);
      },
      sfuDataChannels: (channels) => this.#data.attachSfu(channels),
      ...(options.videoCodec ? { videoCodec: options.videoCodec } : {}),
      log: (message, detail) => options.log?.(message, detail),
    });
    this.#lowBandwidth = new LowBandwidthMode(
      {
        signal: this.signal,
        participants: this.participants,
        paths: this.#paths,
        configuration,
        compositeChanged: (stream) => this.emit('compositeChanged', stream),
        modeChanged: (on) => this.emit('lowBandwidthModeChanged', on),
        log: (message, detail) => options.log?.(message, detail),
      },
      options.lowBandwidth,
    );
    this.signal.on('welcome', (w) => this.#onWelcome(w));
    this.signal.on('notification', (n) => this.#onNotification(n));
    this.signal.on('stateChanged', (s, t) => {
      this.emit('signalStateChanged', s, t);
      if (s === 'connected') this.#paths.restartFailed();
    });
    this.signal.on('closed', (e) => {
      this.#data.close();
      this.#lowBandwidth.close();
      this.#paths.close();
      this.emit('disconnected', e);
    });
  }

  get roomId(): string | undefined {
    return this.signal.welcome?.room.id;
  }

  /** How media flows right now: peer to peer, or through the server's SFU. */
  get topology(): Topology {
    return this.#paths.topology;
  }

  /**
   * In an `mcu` room, or in low-bandwidth mode once it shows: one stream with the composite of everyone else (their
   * names on their tiles) and the mix of their voices (never our own). Show it instead of their own tiles.
   */
  get composite(): MediaStream | undefined {
    return this.#paths.mcu?.stream ?? this.#lowBandwidth.downlink.composite;
  }

  /** In an `mcu` room: whether our own tile is in our composite (off by default). */
  get showSelfInMix(): boolean {
    return this.#showSelfInMix;
  }

  /** In an `mcu` room: put our own tile in our composite, or take it out (the MCU connection offers again). */
  setShowSelfInMix(show: boolean): void {
    if (show === this.#showSelfInMix) return;
    this.#showSelfInMix = show;
    void this.#paths.mcu?.negotiate();
    this.emit('showSelfInMixChanged', show);
  }

  /** Whether low-bandwidth mode is on (asked for, or taken by the SDK); it shows only in SFU rooms. */
  get lowBandwidthMode(): boolean {
    return this.#lowBandwidth.on;
  }

  /** Whether low-bandwidth mode is on because the SDK took it (automatic mode found our downlink congested). */
  get lowBandwidthAutomatic(): boolean {
    return this.#lowBandwidth.automatic;
  }

  /**
   * In SFU rooms: everyone else as the MCU's composite and mix (one stream down) instead of a stream each; we keep
   * publishing to the SFU. Switched make before break both ways. 'auto' (the default) lets the SDK decide from the
   * SFU's estimate of our downlink (RoomOptions.lowBandwidth).
   */
  setLowBandwidthMode(mode: boolean | 'auto'): void {
    this.#lowBandwidth.set(mode);
  }

  /** In an audio-only room (SFU, microphones only), how many of the loudest voices we hear; undefined otherwise. */
  get audioOnly(): { loudest: number } | undefined {
    return this.signal.welcome?.room.audioOnly;
  }

  /** Audio-only rooms: our slots, each with the voice it carries now (play every slot's track). */
  get audioSlots(): AudioSlot[] {
    const count = Math.max(this.#slotIds.length, this.#slotTracks.length);
    return Array.from({ length: count }, (_, i) => ({ participantId: this.#slotIds[i] ?? null, track: this.#slotTracks[i] }));
  }

  /** The loudest participant as the server last said (SFU rooms), or undefined. */
  get activeSpeaker(): string | undefined {
    return this.#activeSpeaker;
  }
  /** Everyone the server last said is speaking. */
  get speaking(): readonly string[] {
    return this.#speaking;
  }

  /** The local media currently published to everyone. */
  get localTracks(): MediaStreamTrack[] {
    return this.#paths.local.map((t) => t.track);
  }

  /** Joins the room. Publish media before or after; it reaches everyone either way. */
  async connect(): Promise<Welcome> {
    const welcome = await this.signal.connect();
    this.emit('connected', welcome);
    return welcome;
  }

  /** Sends these tracks to every participant (renegotiates as needed); a screen goes as `source` 'screen'. */
  publish(stream: MediaStream, tracks: MediaStreamTrack[] = stream.getTracks(), source: MediaSourceKind = 'camera'): void {
    if (this.#announcer.sources.get(stream.id) !== source) {
      this.#announcer.sources.set(stream.id, source);
      // Say what the stream is before its tracks arrive, so a screen gets its own tile at once.
      this.#announcer.announce();
    }
    for (const track of tracks) this.#paths.publish(track, stream, source);
  }

  unpublish(track: MediaStreamTrack): void {
    const entry = this.#paths.unpublish(track);
    if (entry && !this.#paths.local.some((t) => t.stream === entry.stream)) {
      this.#announcer.sources.delete(entry.stream.id);
      this.#announcer.announce();
    }
  }

  /** Replaces a published track by another of the same kind, without renegotiation (mesh and SFU alike). */
  async replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack): Promise<void> {
    await this.#paths.replaceTrack(oldTrack, newTrack);
  }

  /**
   * Tells the SFU how large a received video is shown (CSS px × devicePixelRatio; 0×0 when hidden), so it
   * forwards the simulcast layer that fits. Throttled per producer; a no-op for tracks not from the SFU.
   */
  setVideoSize(track: MediaStreamTrack, width: number, height: number): void {
    this.#paths.sfu.setVideoSize(track, width, height);
  }

  /**
   * Sends a message to everyone else in the room, or to `to`; they get a `data` event. Reliable (default): ordered
   * and retransmitted; `reliable: false`: unordered, no retransmissions. In SFU rooms it goes once to the server's
   * data channel, which relays it; in mesh rooms over the direct connections (always reliable there). A reliable
   * message with no open path yet waits up to 10 s for one. At most 63 KiB (RangeError); ParleyError WRONG_TOPOLOGY
   * in `mcu` rooms, CAPACITY_EXCEEDED when 1 MiB already waits for a path. See docs/protocol.md, "Room data".
   */
  sendData(data: string | Uint8Array, options?: SendDataOptions): void {
    this.#data.send(data, options);
  }

  /** Opens a data channel to one participant, over its direct connection (made on demand in an SFU room). */
  createDataChannel(participantId: string, label: string, init?: RTCDataChannelInit): RTCDataChannel {
    const p = this.participants.get(participantId);
    if (!p) throw new ParleyError('UNKNOWN_PARTICIPANT', `no direct connection to "${participantId}"`);
    return this.#paths.createDataChannel(p, label, init);
  }

  /** The connection that carries a participant's media (mesh peer or SFU), and their share of its stats. */
  statsSource(participantId: string): StatsSource | undefined {
    const p = this.participants.get(participantId);
    return p ? this.#paths.statsSource(p) : undefined;
  }

  /** In an `mcu` room: the one connection that brings the composite and the mix (all of its report is theirs). */
  compositeStatsSource(): StatsSource | undefined {
    const mcu = this.#paths.mcu ?? this.#lowBandwidth.downlink.connection;
    return mcu ? { pc: mcu.pc, select: (report) => [...report] } : undefined;
  }

  async setName(name: string): Promise<void> {
    await this.signal.request({ type: 'update', name });
    if (this.local) this.local.name = name;
  }

  async setMetadata(metadata: string): Promise<void> {
    await this.signal.request({ type: 'update', metadata });
  }

  async leave(): Promise<void> {
    await this.signal.leave();
  }

  /** Tells everyone whether our microphone and camera are on (for the muted marks on their side). */
  setMediaState(state: { audio: boolean; video: boolean }): void {
    this.#announcer.setMediaState(state);
  }

  #onWelcome(welcome: Welcome): void {
    this.#iceServers = welcome.iceServers as RTCIceServer[];
    const self = welcome.room.participants.find((p) => p.id === welcome.participantId);
    this.local = { id: welcome.participantId, identity: self?.identity ?? '', name: self?.name ?? '' };
    this.#announcer.sendToServer(!welcome.resumed);
    if (welcome.resumed) return; // state continues; missed notifications follow
    // A fresh session (first join, or a rejoin after the old one expired): rebuild from the room state.
    this.#lowBandwidth.downlink.close();
    this.#paths.close();
    for (const p of [...this.participants.values()]) this.#removeParticipant(p, 'left');
    for (const info of welcome.room.participants) if (info.id !== welcome.participantId) this.#addParticipant(info);
    const before = this.#paths.topology;
    // In a mesh room we are the newcomer: we call everyone already here.
    this.#slotIds = [];
    this.#slotTracks = [];
    this.#paths.reset(welcome.room.topology, welcome.room.producers, welcome.room.audioOnly?.loudest);
    this.#lowBandwidth.topologyChanged(welcome.room.topology);
    if (before !== welcome.room.topology) this.emit('topologyChanged', welcome.room.topology);
  }

  #addParticipant(info: Participant): RemoteParticipant {
    const existing = this.participants.get(info.id);
    if (existing) return existing;
    const p = new RemoteParticipant(info);
    p.onDisplayChanged = () => this.emit('participantUpdated', p);
    this.#paths.participantJoined(p);
    this.participants.set(p.id, p);
    this.emit('participantJoined', p);
    return p;
  }

  #removeParticipant(p: RemoteParticipant, reason: string): void {
    if (!this.participants.delete(p.id)) return;
    this.#announcer.forget(p.id);
    this.#paths.participantLeft(p);
    this.emit('participantLeft', p, reason);
  }

  #applyMediaState(p: RemoteParticipant, state: MediaState): void {
    p.audioMuted = !state.audio;
    p.videoMuted = !state.video;
    p.setSources(state.sources);
    this.emit('participantUpdated', p);
  }

  #onControlChannel(p: RemoteParticipant, channel: RTCDataChannel): void {
    this.#announcer.addChannel(p.id, channel);
    this.#data.attachControl(p.id, channel);
    channel.addEventListener('message', (event: MessageEvent) => {
      if (typeof event.data !== 'string' || this.#paths.handleControl(p.id, event.data)) return;
      const state = parseSourcesMessage(event.data);
      if (state) this.#applyMediaState(p, state);
    });
    this.emit('controlChannelOpened', p, channel);
  }

  #onNotification(n: Notification): void {
    this.emit('notification', n);
    const from = 'from' in n ? this.participants.get(n.from) : undefined;
    switch (n.type) {
      case 'participantJoined':
        // In a mesh room the newcomer will call us; we answer (MediaPaths.peerFor on its first offer).
        this.#addParticipant(n.participant);
        return;
      case 'participantLeft': {
        const p = this.participants.get(n.participantId);
        if (p) this.#removeParticipant(p, n.reason);
        return;
      }
      case 'participantUpdated': {
        if (n.participant.id === this.local?.id) {
          this.local.name = n.participant.name;
          return;
        }
        const p = this.participants.get(n.participant.id);
        if (!p) return;
        p.update(n.participant);
        this.emit('participantUpdated', p);
        return;
      }
      case 'offer':
      case 'answer':
        if (from) void this.#paths.peerFor(from).handleDescription({ type: n.type, sdp: n.sdp });
        return;
      case 'candidate':
        if (from) void this.#paths.peerFor(from).handleCandidate(n.candidate);
        return;
      case 'chatMessage':
        return; // the Chat listens for these itself
      case 'producerAdded':
        this.#paths.sfu.producerAdded(n.producer);
        return;
      case 'producerRemoved':
        this.#paths.sfu.producerRemoved(n.producerId);
        return;
      case 'topologyChanged':
        if (!this.#paths.switchTo(n.topology)) return;
        this.#lowBandwidth.topologyChanged(n.topology);
        this.emit('topologyChanged', n.topology);
        return;
      case 'activeSpeaker':
        this.#activeSpeaker = n.participantId ?? undefined;
        this.#speaking = [...n.speaking];
        this.emit('activeSpeakerChanged', this.#activeSpeaker, [...n.speaking]);
        return;
      case 'mediaState':
        if (from) this.#applyMediaState(from, { audio: n.audio, video: n.video, sources: n.sources });
        return;
      case 'layersWanted':
        this.#paths.sfu.layersWanted(n.mid, n.rids);
        return;
      case 'audioSlots':
        this.#slotIds = [...n.slots];
        this.emit('audioSlotsChanged', this.audioSlots);
        return;
      case 'sfuBandwidth':
        this.#lowBandwidth.estimate(n.estimateBps, n.congested);
        return;
      default:
        assertNever(n);
    }
  }
}
