import type { Participant } from '@parley/protocol';
import type { MeshPeer } from './mesh/peer.ts';

/** Someone else in the room, as this client sees them. */
export class RemoteParticipant {
  readonly id: string;
  identity: string;
  name: string;
  metadata: string;
  readonly joinedAt: number;
  /** Every track received from this participant. */
  readonly stream: MediaStream;
  peer: MeshPeer | undefined;

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
