import type { Topology } from '@parley/protocol';
import { ParleyError } from '../errors.ts';
import { MeshPeer } from '../mesh/peer.ts';
import type { MediaSourceKind, RemoteParticipant } from '../participant.ts';
import type { SignalClient } from '../signal-client.ts';
import type { VideoCodec } from './codec-preference.ts';
import { covers, selectStats } from './readiness.ts';
import { SfuSession, type LocalPublication } from './session.ts';
import type { SfuDataChannels } from './connection.ts';
import { TopologySwitch } from './switch.ts';
import { McuConnection } from '../mcu/connection.ts';

export interface MediaPathsHost {
  readonly signal: SignalClient;
  readonly participants: ReadonlyMap<string, RemoteParticipant>;
  localId(): string | undefined;
  configuration(): RTCConfiguration;
  trackSubscribed(p: RemoteParticipant, track: MediaStreamTrack): void;
  trackUnsubscribed(p: RemoteParticipant, track: MediaStreamTrack): void;
  connectionStateChanged(p: RemoteParticipant, state: RTCPeerConnectionState): void;
  controlChannelOpened(p: RemoteParticipant, channel: RTCDataChannel): void;
  dataChannelOpened(p: RemoteParticipant, channel: RTCDataChannel): void;
  /** Sends on the control channel to a participant; false when none is open. */
  sendControl(participantId: string, message: string): boolean;
  /** The MCU's mix arrived or changed (an `mcu` room), or went (undefined). */
  compositeChanged(stream: MediaStream | undefined): void;
  /** Whether our own tile is wanted in our composite (`mcu` rooms). */
  showSelfInMix?(): boolean;
  /** Audio-only rooms: the slot tracks are negotiated. */
  slotsReady?(tracks: MediaStreamTrack[]): void;
  /** A new SFU connection made the room data channels. */
  sfuDataChannels?(channels: SfuDataChannels): void;
  /** The codec to publish video with through the SFU (default VP8). */
  readonly videoCodec?: VideoCodec;
  log(message: string, detail?: unknown): void;
}

/** Where a participant's connection figures come from: a peer connection, and their share of its report. */
export interface StatsSource {
  pc: RTCPeerConnection;
  select<S extends { type: string }>(report: Iterable<S>): S[];
}

/**
 * How our media reaches the others and theirs reaches us: direct connections (mesh), or one SFU
 * connection with direct connections kept for data channels; switched live, make before break.
 */
export class MediaPaths {
  readonly local: LocalPublication[] = [];
  readonly sfu: SfuSession;
  readonly #host: MediaPathsHost;
  readonly #switch: TopologySwitch;
  /** Participants we send our media to over the mesh. */
  readonly #meshMedia = new Set<string>();
  #topology: Topology = 'mesh';
  /** The connection to the MCU, in an `mcu` room. */
  #mcu: McuConnection | undefined;

  constructor(host: MediaPathsHost) {
    this.#host = host;
    this.sfu = new SfuSession({
      signal: host.signal,
      configuration: () => host.configuration(),
      localId: () => host.localId(),
      trackAdded: (producer, track, receiver) => {
        const p = host.participants.get(producer.participantId);
        if (!p) return;
        p.addTrack(track, producer.streamId, { via: 'sfu', receiver, source: producer.source.startsWith('screen') ? 'screen' : 'camera' });
        host.trackSubscribed(p, track);
      },
      trackRemoved: (producer, track) => {
        const p = host.participants.get(producer.participantId);
        if (p) this.dropTrack(p, track);
      },
      connectionStateChanged: (state) => {
        for (const p of host.participants.values()) if (p.mediaConnection) host.connectionStateChanged(p, state);
      },
      slotsReady: (tracks) => host.slotsReady?.(tracks),
      dataChannels: (channels) => host.sfuDataChannels?.(channels),
      ...(host.videoCodec ? { videoCodec: host.videoCodec } : {}),
      log: (m, d) => host.log(m, d),
    });
    this.#switch = new TopologySwitch({
      participants: () => [...host.participants.values()].filter((p) => this.#switch.to === 'mesh' || (p.peer && !p.peer.closed)).map((p) => p.id),
      receivesOverNewPath: (id, to) => {
        const p = host.participants.get(id);
        return !!p && (to === 'sfu' ? covers(p.pathTracks('mesh'), p.pathTracks('sfu')) : covers(p.pathTracks('sfu'), p.pathTracks('mesh')));
      },
      sendControl: (id, message) => host.sendControl(id, message),
      releaseMesh: (id) => this.#releaseMesh(id),
      completed: (to, late) => {
        host.log(`switch to ${to} complete${late.length ? ` (without ${late.join(', ')})` : ''}`);
        if (to === 'mesh') this.#closeSfu(true);
      },
      log: (m, d) => host.log(m, d),
    });
  }

  get topology(): Topology {
    return this.#topology;
  }

  get mcu(): McuConnection | undefined {
    return this.#mcu;
  }

  /** A fresh session: the room's topology and producers as the welcome says; in a mesh room we call everyone. */
  reset(topology: Topology, producers: Parameters<SfuSession['reset']>[0], audioSlots?: number): void {
    this.#switch.cancel();
    this.#closeSfu(false);
    this.#closeMcu();
    this.#meshMedia.clear();
    this.sfu.reset(producers, audioSlots);
    if (audioSlots !== undefined) {
      // Published before the welcome said the room is audio-only: only the microphone goes.
      for (const t of this.local.filter((x) => x.track.kind !== 'audio')) this.local.splice(this.local.indexOf(t), 1);
    }
    this.#topology = topology;
    for (const p of this.#host.participants.values()) if (topology === 'mesh') this.#createPeer(p, true, true);
    if (topology === 'sfu') this.#openSfu();
    if (topology === 'mcu') this.#openMcu();
  }

  /** Make before break: open the new path; the switch drops the old one once everyone receives over the new. */
  switchTo(topology: Topology): boolean {
    if (this.#topology === topology) return false;
    if (topology === 'mcu' || this.#topology === 'mcu') {
      // An `mcu` room is mixed from start to end; should a room still move, the paths are rebuilt (not seamless).
      for (const p of this.#host.participants.values()) p.peer?.close();
      this.reset(topology, [...this.sfu.producers.values()], this.sfu.audioSlots);
      return true;
    }
    this.#topology = topology;
    if (topology === 'sfu') this.#openSfu();
    else for (const p of this.#host.participants.values()) this.#restoreMesh(p);
    this.#switch.start(topology);
    return true;
  }

  publish(track: MediaStreamTrack, stream: MediaStream, source: MediaSourceKind): void {
    if (this.local.some((t) => t.track === track)) return;
    if (this.sfu.audioSlots !== undefined && track.kind !== 'audio') {
      // The server would refuse it (AUDIO_ONLY): an audio-only room carries microphones only.
      this.#host.log(`audio-only room: ${track.kind} track not published`);
      return;
    }
    this.local.push({ track, stream, source });
    for (const id of this.#meshMedia) this.#host.participants.get(id)?.peer?.addTrack(track, stream);
    this.sfu.publish(track, stream, source);
    this.#mcu?.publish(track, source);
  }

  unpublish(track: MediaStreamTrack): LocalPublication | undefined {
    const i = this.local.findIndex((t) => t.track === track);
    if (i < 0) return undefined;
    const [entry] = this.local.splice(i, 1);
    for (const p of this.#host.participants.values()) p.peer?.removeTrack(track);
    this.sfu.unpublish(track);
    this.#mcu?.unpublish(track);
    return entry;
  }

  async replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack): Promise<void> {
    const entry = this.local.find((t) => t.track === oldTrack);
    if (!entry) return;
    entry.track = newTrack;
    const peers = [...this.#host.participants.values()].map((p) => p.peer?.replaceTrack(oldTrack, newTrack));
    await Promise.all([...peers, this.sfu.replaceTrack(oldTrack, newTrack), this.#mcu?.replaceTrack(oldTrack, newTrack)]);
  }

  /** A direct data channel; in an SFU room the direct connection (data only) is made on demand. */
  createDataChannel(p: RemoteParticipant, label: string, init?: RTCDataChannelInit): RTCDataChannel {
    let peer = p.peer;
    if ((!peer || peer.closed) && this.#topology !== 'mesh') peer = this.#createPeer(p, true, false);
    if (!peer || peer.closed) throw new ParleyError('UNKNOWN_PARTICIPANT', `no direct connection to "${p.id}"`);
    return peer.createDataChannel(label, init);
  }

  /** The direct connection a relayed offer/answer/candidate is for; the first offer makes it (with media in a mesh room). */
  peerFor(p: RemoteParticipant): MeshPeer {
    return p.peer && !p.peer.closed ? p.peer : this.#createPeer(p, false, this.#topology === 'mesh');
  }

  /** A control-channel message; true when it was part of a topology switch. */
  handleControl(participantId: string, data: string): boolean {
    return this.#switch.handleControl(participantId, data);
  }

  participantJoined(p: RemoteParticipant): void {
    p.mediaConnection = this.sfu.connection?.pc ?? this.#mcu?.pc;
  }

  participantLeft(p: RemoteParticipant): void {
    this.#meshMedia.delete(p.id);
    this.#switch.participantLeft(p.id);
    this.sfu.participantLeft(p.id);
    p.peer?.close();
    for (const track of p.tracks) this.dropTrack(p, track);
  }

  dropTrack(p: RemoteParticipant, track: MediaStreamTrack): void {
    if (p.removeTrack(track)) this.#host.trackUnsubscribed(p, track);
  }

  statsSource(p: RemoteParticipant): StatsSource | undefined {
    const sfu = this.sfu.connection;
    if (sfu && p.tracksVia('sfu').length > 0) {
      const { trackIds, mids } = this.sfu.statsKeys(p.id);
      return { pc: sfu.pc, select: (report) => selectStats(report, trackIds, mids) };
    }
    if (p.peer && !p.peer.closed) return { pc: p.peer.pc, select: (report) => [...report] };
    return undefined;
  }

  /** After a signaling outage, connections that lost their path need a new ICE negotiation. */
  restartFailed(): void {
    const failed = (state: RTCIceConnectionState | undefined) => state === 'failed' || state === 'disconnected';
    for (const p of this.#host.participants.values()) if (failed(p.peer?.pc.iceConnectionState)) p.peer?.restartIce();
    const sfu = this.sfu.connection;
    if (sfu && failed(sfu.pc.iceConnectionState)) sfu.restartIce();
    if (this.#mcu && failed(this.#mcu.pc.iceConnectionState)) this.#mcu.restartIce();
  }

  close(): void {
    this.#switch.cancel();
    this.#closeSfu(false);
    this.#closeMcu();
    for (const p of this.#host.participants.values()) p.peer?.close();
  }

  #openSfu(): void {
    const pc = this.sfu.open(this.local).pc;
    for (const p of this.#host.participants.values()) p.mediaConnection = pc;
  }

  /** One connection to the MCU: our camera and microphone go up, the mix of everyone else comes down. */
  #openMcu(): void {
    if (this.#mcu && !this.#mcu.closed) return;
    const host = this.#host;
    const mcu = new McuConnection({
      configuration: host.configuration(),
      offer: async (sdp) => {
        const showSelf = host.showSelfInMix?.() ?? false;
        const data = (await host.signal.request({ type: 'mcuOffer', sdp, ...(showSelf ? { showSelf } : {}) })) as { sdp?: unknown; send?: unknown } | undefined;
        if (typeof data?.sdp !== 'string') throw new TypeError('mcuOffer response without an sdp');
        return { sdp: data.sdp, send: data.send };
      },
      log: (m, d) => host.log(m, d),
    });
    mcu.on('trackAdded', () => host.compositeChanged(mcu.stream));
    mcu.on('connectionStateChanged', (state) => {
      for (const p of host.participants.values()) host.connectionStateChanged(p, state);
    });
    this.#mcu = mcu;
    for (const t of this.local) mcu.publish(t.track, t.source);
    for (const p of host.participants.values()) p.mediaConnection = mcu.pc;
    host.compositeChanged(mcu.stream);
  }

  #closeMcu(): void {
    const mcu = this.#mcu;
    if (!mcu) return;
    this.#mcu = undefined;
    for (const p of this.#host.participants.values()) if (p.mediaConnection === mcu.pc) p.mediaConnection = undefined;
    mcu.close();
    this.#host.compositeChanged(undefined);
  }

  #closeSfu(tellServer: boolean): void {
    for (const p of this.#host.participants.values()) p.mediaConnection = undefined;
    this.sfu.close(tellServer);
  }

  /** Back to mesh with one participant: our tracks onto the direct connection (the smaller id makes a missing one). */
  #restoreMesh(p: RemoteParticipant): void {
    const localId = this.#host.localId();
    if (p.peer && !p.peer.closed) {
      this.#meshMedia.add(p.id);
      for (const t of this.local) p.peer.addTrack(t.track, t.stream);
    } else if (localId !== undefined && localId < p.id) {
      this.#createPeer(p, true, true);
    }
  }

  /** They receive us over the SFU now: our mesh media to them stops (the connection stays for data channels). */
  #releaseMesh(participantId: string): void {
    this.#meshMedia.delete(participantId);
    const peer = this.#host.participants.get(participantId)?.peer;
    for (const t of this.local) peer?.removeTrack(t.track);
  }

  /**
   * A direct connection; with `media` it carries our tracks. Perfect-negotiation roles: in a mesh room the
   * caller is impolite; in an SFU room (either side may call, for a data channel) the smaller id is, on both sides.
   */
  #createPeer(p: RemoteParticipant, initiator: boolean, media: boolean): MeshPeer {
    const host = this.#host;
    const remoteId = p.id;
    const polite = this.#topology === 'mesh' ? !initiator : (host.localId() ?? '') > remoteId;
    const peer = new MeshPeer({
      remoteId,
      initiator,
      polite,
      configuration: host.configuration(),
      localTracks: media ? [...this.local] : [],
      signals: {
        description: (d) => host.signal.send({ type: d.type, to: remoteId, sdp: d.sdp }),
        candidate: (c) => host.signal.send({ type: 'candidate', to: remoteId, candidate: c }),
      },
      log: (m, d) => host.log(m, d),
      onDataChannel: (channel) => host.dataChannelOpened(p, channel),
      onControlChannel: (channel) => host.controlChannelOpened(p, channel),
    });
    p.peer = peer;
    if (media) this.#meshMedia.add(p.id);
    peer.pc.ontrack = ({ track, streams, receiver }) => {
      p.addTrack(track, streams[0]?.id ?? '', { via: 'mesh', receiver });
      for (const s of streams) s.onremovetrack = (e) => this.dropTrack(p, e.track);
      host.trackSubscribed(p, track);
      // A sender that removes its track ends our transceiver's reception: drop it from the stream.
      track.onended = () => this.dropTrack(p, track);
    };
    peer.pc.onconnectionstatechange = () => host.connectionStateChanged(p, peer.pc.connectionState);
    return peer;
  }
}
