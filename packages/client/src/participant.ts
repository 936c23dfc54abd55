import type { Participant } from '@parley/protocol';
import type { MeshPeer } from './mesh/peer.ts';
import { pathKey, type PathTrack } from './sfu/readiness.ts';

export type MediaSourceKind = 'camera' | 'screen';
/** Which connection brought a track: the mesh peer connection or the SFU connection. */
export type MediaPath = 'mesh' | 'sfu';

export interface ReceivedTrackOptions {
  via?: MediaPath;
  receiver?: RTCRtpReceiver;
  /** What the stream carries when the track itself says so (an SFU producer's source); else their announcement decides. */
  source?: MediaSourceKind;
}

interface Received {
  streamId: string;
  via: MediaPath;
  receiver: RTCRtpReceiver | undefined;
  source: MediaSourceKind | undefined;
  /** Arrival order: the newest live track of a stream and kind is the one shown. */
  order: number;
}

const isLive = (t: MediaStreamTrack) => t.readyState === 'live' && !t.muted;

/** Someone else in the room, as this client sees them. */
export class RemoteParticipant {
  readonly id: string;
  identity: string;
  name: string;
  metadata: string;
  readonly joinedAt: number;
  /** Camera and microphone tracks received from this participant (one per sent track, whichever path brings it). */
  readonly stream: MediaStream;
  /** Whether they turned their microphone / camera off (as they told us). */
  audioMuted = false;
  videoMuted = false;
  /** Their screen share, while they share one. */
  screen: MediaStream | undefined;
  /** The direct connection (media in a mesh room; data channels only in an SFU room). */
  peer: MeshPeer | undefined;
  /** The connection their media comes over when it is not the mesh peer (the SFU connection). */
  mediaConnection: { readonly connectionState: RTCPeerConnectionState } | undefined;
  /** Called when what `stream` / `screen` show changed without a track arriving or leaving (a new path went live). */
  onDisplayChanged: (() => void) | undefined;
  /** What each of their streams carries, as they announced it (camera unless said otherwise). */
  readonly #sources = new Map<string, MediaSourceKind>();
  readonly #received = new Map<MediaStreamTrack, Received>();
  #order = 0;
  readonly #refresh = () => this.#display();

  constructor(info: Participant) {
    this.id = info.id;
    this.identity = info.identity;
    this.name = info.name;
    this.metadata = info.metadata;
    this.joinedAt = info.joinedAt;
    this.stream = new MediaStream();
  }

  update(info: Participant): void {
    this.identity = info.identity;
    this.name = info.name;
    this.metadata = info.metadata;
  }

  /**
   * Adds a received track to the camera stream or the screen stream, by what its stream carries.
   * While two paths bring the same sender track (a topology switch), only the newest live one is shown.
   */
  addTrack(track: MediaStreamTrack, streamId: string, options: ReceivedTrackOptions = {}): void {
    if (!this.#received.has(track)) {
      track.addEventListener('unmute', this.#refresh);
      track.addEventListener('mute', this.#refresh);
    }
    this.#received.set(track, { streamId, via: options.via ?? 'mesh', receiver: options.receiver, source: options.source, order: ++this.#order });
    this.#display();
  }

  /** Returns false when the track was not ours. */
  removeTrack(track: MediaStreamTrack): boolean {
    if (!this.#received.delete(track)) return false;
    track.removeEventListener('unmute', this.#refresh);
    track.removeEventListener('mute', this.#refresh);
    this.#display();
    this.stream.removeTrack(track);
    this.screen?.removeTrack(track);
    if (this.screen && this.screen.getTracks().length === 0) this.screen = undefined;
    return true;
  }

  /** Their announcement of what their streams carry; tracks already here move where they belong. */
  setSources(sources: Record<string, MediaSourceKind>): void {
    this.#sources.clear();
    for (const [id, kind] of Object.entries(sources)) this.#sources.set(id, kind);
    this.#display();
  }

  placementOf(track: MediaStreamTrack): MediaSourceKind {
    const r = this.#received.get(track);
    return r?.source ?? this.#sources.get(r?.streamId ?? '') ?? 'camera';
  }

  /** Received tracks of one path, for make-before-break: what each shows and whether media arrives. */
  pathTracks(via: MediaPath): PathTrack[] {
    const out: PathTrack[] = [];
    for (const [track, r] of this.#received) if (r.via === via) out.push({ key: pathKey(r.streamId, track.kind), live: isLive(track) });
    return out;
  }

  tracksVia(via: MediaPath): MediaStreamTrack[] {
    return [...this.#received].filter(([, r]) => r.via === via).map(([t]) => t);
  }

  /** Every received video track of camera or screen, shown or about to be (tile sizes go to all of them). */
  videoTracksOf(placement: MediaSourceKind): MediaStreamTrack[] {
    return this.tracks.filter((t) => t.kind === 'video' && this.placementOf(t) === placement);
  }

  /** Puts the chosen track of each (stream, kind) where it belongs; adds before it removes, so a playing element never runs dry. */
  #display(): void {
    const chosen = new Map<string, MediaStreamTrack>();
    const newestFirst = [...this.#received].sort((a, b) => b[1].order - a[1].order);
    for (const [track, r] of newestFirst) {
      const key = pathKey(r.streamId, track.kind);
      const current = chosen.get(key);
      if (!current) chosen.set(key, track);
      else if (!isLive(current) && isLive(track)) chosen.set(key, track);
      else if (!isLive(current) && !isLive(track) && this.#shown(track) && !this.#shown(current)) chosen.set(key, track);
    }
    let changed = false;
    const keep = new Set(chosen.values());
    for (const track of keep) {
      const screen = this.placementOf(track) === 'screen';
      const target = screen ? (this.screen ??= new MediaStream()) : this.stream;
      if (!target.getTracks().includes(track)) {
        target.addTrack(track);
        changed = true;
      }
    }
    for (const track of this.stream.getTracks()) {
      if (keep.has(track) && this.placementOf(track) !== 'screen') continue;
      this.stream.removeTrack(track);
      changed = true;
    }
    for (const track of this.screen?.getTracks() ?? []) {
      if (keep.has(track) && this.placementOf(track) === 'screen') continue;
      this.screen?.removeTrack(track);
      changed = true;
    }
    if (this.screen && this.screen.getTracks().length === 0) this.screen = undefined;
    if (changed) this.onDisplayChanged?.();
  }

  #shown(track: MediaStreamTrack): boolean {
    return this.stream.getTracks().includes(track) || (this.screen?.getTracks().includes(track) ?? false);
  }

  /** Their current audio level, 0..1, from RTP (RFC 6464 via getSynchronizationSources); 0 when silent or unknown. */
  audioLevel(): number {
    let level = 0;
    const receivers = new Set<RTCRtpReceiver>(this.peer?.pc.getReceivers() ?? []);
    for (const r of this.#received.values()) if (r.receiver) receivers.add(r.receiver);
    for (const r of receivers) {
      if (r.track.kind !== 'audio' || !this.#received.has(r.track)) continue;
      for (const s of r.getSynchronizationSources()) if (Date.now() - s.timestamp < 1000) level = Math.max(level, s.audioLevel ?? 0);
    }
    return level;
  }

  /** Every track received, camera and screen, over any path. */
  get tracks(): MediaStreamTrack[] {
    return [...this.#received.keys()];
  }

  get connectionState(): RTCPeerConnectionState | 'new' {
    return this.mediaConnection?.connectionState ?? this.peer?.pc.connectionState ?? 'new';
  }

  get videoTracks(): MediaStreamTrack[] {
    return this.stream.getVideoTracks();
  }
  get audioTracks(): MediaStreamTrack[] {
    return this.stream.getAudioTracks();
  }
}
