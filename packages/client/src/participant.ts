import type { Participant } from '@parley/protocol';
import type { MeshPeer } from './mesh/peer.ts';

export type MediaSourceKind = 'camera' | 'screen';

/** Someone else in the room, as this client sees them. */
export class RemoteParticipant {
  readonly id: string;
  identity: string;
  name: string;
  metadata: string;
  readonly joinedAt: number;
  /** Camera and microphone tracks received from this participant. */
  readonly stream: MediaStream;
  /** Whether they turned their microphone / camera off (as they told us). */
  audioMuted = false;
  videoMuted = false;
  /** Their screen share, while they share one. */
  screen: MediaStream | undefined;
  peer: MeshPeer | undefined;
  /** What each of their streams carries, as they announced it (camera unless said otherwise). */
  readonly #sources = new Map<string, MediaSourceKind>();
  readonly #trackStream = new Map<MediaStreamTrack, string>();

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

  /** Adds a received track to the camera stream or the screen stream, by what its stream carries. */
  addTrack(track: MediaStreamTrack, streamId: string): void {
    this.#trackStream.set(track, streamId);
    this.#place(track);
  }

  /** Returns false when the track was not ours. */
  removeTrack(track: MediaStreamTrack): boolean {
    if (!this.#trackStream.delete(track)) return false;
    this.stream.removeTrack(track);
    this.screen?.removeTrack(track);
    if (this.screen && this.screen.getTracks().length === 0) this.screen = undefined;
    return true;
  }

  /** Their announcement of what their streams carry; tracks already here move where they belong. */
  setSources(sources: Record<string, MediaSourceKind>): void {
    this.#sources.clear();
    for (const [id, kind] of Object.entries(sources)) this.#sources.set(id, kind);
    for (const track of this.#trackStream.keys()) this.#place(track);
  }

  #place(track: MediaStreamTrack): void {
    const screen = this.#sources.get(this.#trackStream.get(track) ?? '') === 'screen';
    if (screen) {
      this.stream.removeTrack(track);
      this.screen ??= new MediaStream();
      if (!this.screen.getTracks().includes(track)) this.screen.addTrack(track);
    } else {
      this.screen?.removeTrack(track);
      if (this.screen && this.screen.getTracks().length === 0) this.screen = undefined;
      if (!this.stream.getTracks().includes(track)) this.stream.addTrack(track);
    }
  }

  /** Their current audio level, 0..1, from RTP (RFC 6464 via getSynchronizationSources); 0 when silent or unknown. */
  audioLevel(): number {
    let level = 0;
    for (const r of this.peer?.pc.getReceivers() ?? []) {
      if (r.track.kind !== 'audio') continue;
      for (const s of r.getSynchronizationSources()) if (Date.now() - s.timestamp < 1000) level = Math.max(level, s.audioLevel ?? 0);
    }
    return level;
  }

  /** Every track received, camera and screen. */
  get tracks(): MediaStreamTrack[] {
    return [...this.#trackStream.keys()];
  }

  get connectionState(): RTCPeerConnectionState | 'new' {
    return this.peer?.pc.connectionState ?? 'new';
  }

  get videoTracks(): MediaStreamTrack[] {
    return this.stream.getVideoTracks();
  }
  get audioTracks(): MediaStreamTrack[] {
    return this.stream.getAudioTracks();
  }
}
