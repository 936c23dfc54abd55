import { assertNever, type Notification, type Participant, type Welcome } from '@parley/protocol';
import { Emitter } from './emitter.ts';
import { ParleyError } from './errors.ts';
import { MeshPeer } from './mesh/peer.ts';
import { Chat } from './chat.ts';
import { RemoteParticipant, type MediaSourceKind } from './participant.ts';
import { SignalClient, type SignalClientOptions, type SignalState } from './signal-client.ts';
import type { TransportKind } from './transports/types.ts';

export interface RoomOptions extends SignalClientOptions {
  /** Extra RTCConfiguration (merged over the ICE servers from the welcome). */
  rtcConfiguration?: RTCConfiguration;
  /** Debug log sink; silent by default. */
  log?: (message: string, detail?: unknown) => void;
}

export type RoomEvents = {
  connected: [welcome: Welcome];
  participantJoined: [participant: RemoteParticipant];
  participantLeft: [participant: RemoteParticipant, reason: string];
  participantUpdated: [participant: RemoteParticipant];
  trackSubscribed: [participant: RemoteParticipant, track: MediaStreamTrack];
  trackUnsubscribed: [participant: RemoteParticipant, track: MediaStreamTrack];
  peerConnectionStateChanged: [participant: RemoteParticipant, state: RTCPeerConnectionState];
  /** The direct control channel to a participant opened (chat goes over it when it exists). */
  controlChannelOpened: [participant: RemoteParticipant, channel: RTCDataChannel];
  /** A participant opened a data channel to us (other than the control channel). */
  dataChannelOpened: [participant: RemoteParticipant, channel: RTCDataChannel];
  signalStateChanged: [state: SignalState, transport: TransportKind | undefined];
  notification: [notification: Notification];
  disconnected: [error: ParleyError | undefined];
};

export interface LocalParticipantInfo {
  id: string;
  identity: string;
  name: string;
}

/**
 * A room as one participant sees it: the signaling session, the other participants, and a mesh of
 * peer connections (one per remote participant) carrying the local tracks both ways.
 */
export class Room extends Emitter<RoomEvents> {
  readonly signal: SignalClient;
  /** Room chat (direct data channels where open, the server otherwise; history for late joiners). */
  readonly chat: Chat;
  readonly participants = new Map<string, RemoteParticipant>();
  local: LocalParticipantInfo | undefined;
  readonly #localTracks: Array<{ track: MediaStreamTrack; stream: MediaStream }> = [];
  /** What each published stream carries (stream id → source), told to everyone over control channels. */
  readonly #sources = new Map<string, MediaSourceKind>();
  readonly #controlChannels = new Map<string, RTCDataChannel>();
  #mediaState = { audio: true, video: true };
  readonly #options: RoomOptions;
  #iceServers: RTCIceServer[] = [];

  constructor(options: RoomOptions) {
    super();
    this.#options = options;
    this.signal = new SignalClient(options);
    this.chat = new Chat(this);
    this.signal.on('welcome', (w) => this.#onWelcome(w));
    this.signal.on('notification', (n) => this.#onNotification(n));
    this.signal.on('stateChanged', (s, t) => {
      this.emit('signalStateChanged', s, t);
      if (s === 'connected') this.#restartFailedPeers();
    });
    this.signal.on('closed', (e) => {
      this.#teardownPeers();
      this.emit('disconnected', e);
    });
  }

  get roomId(): string | undefined {
    return this.signal.welcome?.room.id;
  }

  /** The local media currently published to everyone. */
  get localTracks(): MediaStreamTrack[] {
    return this.#localTracks.map((t) => t.track);
  }

  /** Joins the room. Publish media before or after; it reaches everyone either way. */
  async connect(): Promise<Welcome> {
    const welcome = await this.signal.connect();
    this.emit('connected', welcome);
    return welcome;
  }

  /** Sends these tracks to every participant (renegotiates as needed). */
  publish(stream: MediaStream, tracks: MediaStreamTrack[] = stream.getTracks(), source: MediaSourceKind = 'camera'): void {
    if (this.#sources.get(stream.id) !== source) {
      this.#sources.set(stream.id, source);
      // Say what the stream is before its tracks arrive, so a screen gets its own tile at once.
      this.#announceSources();
    }
    for (const track of tracks) {
      if (this.#localTracks.some((t) => t.track === track)) continue;
      this.#localTracks.push({ track, stream });
      for (const p of this.participants.values()) p.peer?.addTrack(track, stream);
    }
  }

  unpublish(track: MediaStreamTrack): void {
    const i = this.#localTracks.findIndex((t) => t.track === track);
    if (i < 0) return;
    const [entry] = this.#localTracks.splice(i, 1);
    if (entry && !this.#localTracks.some((t) => t.stream === entry.stream)) this.#sources.delete(entry.stream.id);
    for (const p of this.participants.values()) p.peer?.removeTrack(track);
  }

  /** Replaces a published track by another of the same kind, without renegotiation. */
  async replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack): Promise<void> {
    const entry = this.#localTracks.find((t) => t.track === oldTrack);
    if (!entry) return;
    entry.track = newTrack;
    await Promise.all([...this.participants.values()].map((p) => p.peer?.replaceTrack(oldTrack, newTrack)));
  }

  /** Opens a data channel to one participant, over its direct connection. */
  createDataChannel(participantId: string, label: string, init?: RTCDataChannelInit): RTCDataChannel {
    const peer = this.participants.get(participantId)?.peer;
    if (!peer || peer.closed) throw new ParleyError('UNKNOWN_PARTICIPANT', `no direct connection to "${participantId}"`);
    return peer.createDataChannel(label, init);
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

  #configuration(): RTCConfiguration {
    return { ...this.#options.rtcConfiguration, iceServers: [...this.#iceServers, ...(this.#options.rtcConfiguration?.iceServers ?? [])] };
  }

  #onWelcome(welcome: Welcome): void {
    this.#iceServers = welcome.iceServers as RTCIceServer[];
    const self = welcome.room.participants.find((p) => p.id === welcome.participantId);
    this.local = { id: welcome.participantId, identity: self?.identity ?? '', name: self?.name ?? '' };
    if (welcome.resumed) return; // state continues; missed notifications follow
    // A fresh session (first join, or a rejoin after the old one expired): rebuild from the room state.
    for (const p of [...this.participants.values()]) this.#removeParticipant(p, 'left');
    for (const info of welcome.room.participants) {
      if (info.id === welcome.participantId) continue;
      const p = this.#addParticipant(info);
      // We are the newcomer: we start negotiation with everyone already here.
      this.#createPeer(p, true);
    }
  }

  #addParticipant(info: Participant): RemoteParticipant {
    const existing = this.participants.get(info.id);
    if (existing) return existing;
    const p = new RemoteParticipant(info);
    this.participants.set(p.id, p);
    this.emit('participantJoined', p);
    return p;
  }

  #removeParticipant(p: RemoteParticipant, reason: string): void {
    if (!this.participants.delete(p.id)) return;
    this.#controlChannels.delete(p.id);
    p.peer?.close();
    for (const track of p.tracks) this.#dropTrack(p, track);
    this.emit('participantLeft', p, reason);
  }

  #createPeer(p: RemoteParticipant, initiator: boolean): MeshPeer {
    const remoteId = p.id;
    const peer = new MeshPeer({
      remoteId,
      initiator,
      polite: !initiator,
      configuration: this.#configuration(),
      localTracks: [...this.#localTracks],
      signals: {
        description: (d) => this.signal.send({ type: d.type, to: remoteId, sdp: d.sdp }),
        candidate: (c) => this.signal.send({ type: 'candidate', to: remoteId, candidate: c }),
      },
      ...(this.#options.log ? { log: this.#options.log } : {}),
      onDataChannel: (channel) => this.emit('dataChannelOpened', p, channel),
      onControlChannel: (channel) => this.#onControlChannel(p, channel),
    });
    p.peer = peer;
    peer.pc.ontrack = ({ track, streams }) => {
      p.addTrack(track, streams[0]?.id ?? '');
      for (const s of streams) s.onremovetrack = (e) => this.#dropTrack(p, e.track);
      this.emit('trackSubscribed', p, track);
      // A sender that removes its track ends our transceiver's reception: drop it from the stream.
      track.onended = () => this.#dropTrack(p, track);
    };
    peer.pc.onconnectionstatechange = () => this.emit('peerConnectionStateChanged', p, peer.pc.connectionState);
    return peer;
  }

  #dropTrack(p: RemoteParticipant, track: MediaStreamTrack): void {
    if (p.removeTrack(track)) this.emit('trackUnsubscribed', p, track);
  }

  #sourcesMessage(): string {
    return JSON.stringify({ t: 'sources', sources: Object.fromEntries(this.#sources), ...this.#mediaState });
  }

  /** Tells everyone whether our microphone and camera are on (for the muted marks on their side). */
  setMediaState(state: { audio: boolean; video: boolean }): void {
    this.#mediaState = { ...state };
    this.#announceSources();
  }

  #announceSources(): void {
    const message = this.#sourcesMessage();
    for (const channel of this.#controlChannels.values()) if (channel.readyState === 'open') channel.send(message);
  }

  #onControlChannel(p: RemoteParticipant, channel: RTCDataChannel): void {
    this.#controlChannels.set(p.id, channel);
    channel.send(this.#sourcesMessage());
    channel.addEventListener('message', (event: MessageEvent) => {
      if (typeof event.data !== 'string' || event.data.length > 8192 || !event.data.startsWith('{"t":"sources"')) return;
      try {
        const { sources, audio, video } = JSON.parse(event.data) as { sources?: Record<string, unknown>; audio?: unknown; video?: unknown };
        p.audioMuted = audio === false;
        p.videoMuted = video === false;
        const clean: Record<string, MediaSourceKind> = {};
        for (const [id, kind] of Object.entries(sources ?? {})) if (kind === 'camera' || kind === 'screen') clean[id.slice(0, 128)] = kind;
        p.setSources(clean);
        this.emit('participantUpdated', p);
      } catch {
        /* not for us */
      }
    });
    channel.addEventListener('close', () => {
      if (this.#controlChannels.get(p.id) === channel) this.#controlChannels.delete(p.id);
    });
    this.emit('controlChannelOpened', p, channel);
  }

  #onNotification(n: Notification): void {
    this.emit('notification', n);
    switch (n.type) {
      case 'participantJoined':
        // The newcomer will call us; we answer (see #createPeer on its first offer).
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
      case 'answer': {
        const p = this.participants.get(n.from);
        if (!p) return;
        const peer = p.peer ?? this.#createPeer(p, false);
        void peer.handleDescription({ type: n.type, sdp: n.sdp });
        return;
      }
      case 'candidate': {
        const p = this.participants.get(n.from);
        if (!p) return;
        const peer = p.peer ?? this.#createPeer(p, false);
        void peer.handleCandidate(n.candidate);
        return;
      }
      case 'chatMessage':
        return; // the Chat listens for these itself
      default:
        assertNever(n);
    }
  }

  /** After a signaling outage, peers that lost their path need a new ICE negotiation. */
  #restartFailedPeers(): void {
    for (const p of this.participants.values()) {
      const state = p.peer?.pc.iceConnectionState;
      if (state === 'failed' || state === 'disconnected') p.peer?.restartIce();
    }
  }

  #teardownPeers(): void {
    for (const p of this.participants.values()) p.peer?.close();
  }
}
