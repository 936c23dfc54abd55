/** What the SFU bench's processes exchange over IPC (load-child.ts ↔ run.ts). */
import type { SrtpProfile } from '@parley/media';
import type { MediaShape } from './media-source.ts';
import type { ReceivedTrack, SentTrack } from './residence.ts';

export type Target = 'parley' | 'janus';

export interface LoadChildOptions {
  role: 'publishers' | 'subscribers';
  target: Target;
  count: number;
  /** Publisher or subscriber numbering starts here (unique across processes). */
  indexBase: number;
  bindAddress: string;
  profiles: SrtpProfile[];
  shape: MediaShape;
  /** Parley: ws://… of the signaling server, the room, and how many tracks a subscriber waits for. */
  parleyUrl?: string;
  room: string;
  expectTracks: number;
  /** Janus: http://…/janus, the VideoRoom room and the publishers' feed ids. */
  janusUrl?: string;
  janusRoom?: number;
  feeds?: number[];
}

export interface JoinTiming {
  index: number;
  /** hrtime ns when the subscribe request went out (a decimal string over IPC). */
  startNs: bigint;
  /** Request → SRTP keys, ms. */
  connectedMs: number;
  /** Request → first media packet / first video packet, ms (-1: none yet). */
  firstPacketMs: number;
  firstVideoMs: number;
}

export interface PublisherReport {
  index: number;
  /** Packets sent inside the window, per track. */
  audio: number;
  video: number;
  keyframes: number;
  keyRequests: number;
  sendErrors: number;
  /** RTP numbering of the publisher's tracks (for pairing captured packets, residence.ts). */
  tracks: SentTrack[];
}

export interface SubscriberReport {
  index: number;
  /** Packets received per stream ("publisher/track") that were sent inside the window. */
  received: Record<string, number>;
  duplicates: number;
  foreign: number;
  srtpFailures: number;
  rtpIn: number;
  /** Sparse delay histogram ([bucket, count]) of the window's packets. */
  delay: Array<[number, number]>;
  delayMaxNs: number;
  /** How the server numbered each stream it sends this subscriber (for pairing captured packets, residence.ts). */
  tracks: ReceivedTrack[];
}

export interface LoadReport {
  /** CPU time of this process since it started, ms. */
  cpuMs: number;
  publishers: PublisherReport[];
  subscribers: SubscriberReport[];
}
