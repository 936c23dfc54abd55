import type { Notification, Topology, Welcome } from '@parley/protocol';
import type { ParleyError } from './errors.ts';
import type { RemoteParticipant } from './participant.ts';
import type { SignalClientOptions, SignalState } from './signal-client.ts';
import type { TransportKind } from './transports/types.ts';
import type { VideoCodec } from './sfu/codec-preference.ts';
import type { LowBandwidthOptions } from './mcu/low-bandwidth.ts';
import type { DataMessage } from './data/room-data.ts';

/** The Room's options, events and the shapes it hands out (room.ts re-exports them). */

export interface RoomOptions extends SignalClientOptions {
  /** Extra RTCConfiguration (merged over the ICE servers from the welcome). */
  rtcConfiguration?: RTCConfiguration;
  /** Debug log sink; silent by default. */
  log?: (message: string, detail?: unknown) => void;
  /**
   * The codec our video is published with in SFU rooms: 'vp8' (default), 'vp9' or 'h264'. The SFU sends it to each
   * subscriber that can decode it; a codec this browser cannot send falls back to VP8.
   */
  videoCodec?: VideoCodec;
  /** Low-bandwidth mode in SFU rooms (the MCU's composite instead of a stream each): when to take it by itself. */
  lowBandwidth?: LowBandwidthOptions;
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
  /** The MCU's mix (composite video of everyone else, and their mixed audio) arrived, or went (`mcu` rooms). */
  compositeChanged: [stream: MediaStream | undefined];
  /** Low-bandwidth mode was turned on or off (by `setLowBandwidthMode`, or by the SDK on a weak downlink). */
  lowBandwidthModeChanged: [on: boolean];
  /** `setShowSelfInMix` changed whether our own tile is in our composite. */
  showSelfInMixChanged: [show: boolean];
  /** Media now goes peer to peer (`mesh`) or through the server (`sfu`, `mcu`); mesh ⇄ SFU switches make-before-break. */
  topologyChanged: [topology: Topology];
  /** The loudest participant (maybe us) or undefined, and everyone speaking, as the server hears them. */
  activeSpeakerChanged: [participantId: string | undefined, speaking: string[]];
  /** Audio-only rooms: who is in each of our audio slots changed, or the slots' tracks arrived. */
  audioSlotsChanged: [slots: AudioSlot[]];
  /** A room data message from another participant (`sendData` on their side). */
  data: [message: DataMessage];
  signalStateChanged: [state: SignalState, transport: TransportKind | undefined];
  notification: [notification: Notification];
  disconnected: [error: ParleyError | undefined];
};

/** One of our audio slots in an audio-only room: whose voice it carries now (null: nobody), and its track. */
export interface AudioSlot {
  participantId: string | null;
  track: MediaStreamTrack | undefined;
}

export interface LocalParticipantInfo {
  id: string;
  identity: string;
  name: string;
}
