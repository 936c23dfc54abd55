import { createRequire } from 'node:module';

/**
 * Our own declaration of the parts of @roamhq/wrtc (libwebrtc for Node) the mixer uses; the
 * package's bundled types do not compile, so it is loaded untyped and given this shape.
 *
 * Pitfalls, measured: audio frames must be exactly 10 ms; `RTCRtpSender.setParameters` rejects
 * (set bitrates through `sendEncodings` or SDP `b=AS`); the process segfaults at exit unless
 * every peer connection was closed first.
 */

/** An I420 frame, planes packed (same shape as our `I420Frame`). */
export interface WrtcVideoFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface WrtcAudioData {
  samples: Int16Array;
  sampleRate: number;
  bitsPerSample?: number;
  channelCount?: number;
  /** Samples per channel; must be 10 ms worth. */
  numberOfFrames?: number;
}

export interface WrtcMediaStreamTrack {
  readonly id: string;
  readonly kind: 'audio' | 'video';
  enabled: boolean;
  stop(): void;
}

export interface WrtcMediaStream {
  readonly id: string;
}

export interface WrtcSessionDescriptionInit {
  type: 'offer' | 'answer' | 'pranswer' | 'rollback';
  sdp?: string;
}

export interface WrtcIceCandidateInit {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

export interface WrtcRtpSender {
  readonly track: WrtcMediaStreamTrack | null;
  replaceTrack(track: WrtcMediaStreamTrack | null): Promise<void>;
}

export interface WrtcRtpReceiver {
  readonly track: WrtcMediaStreamTrack;
}

export interface WrtcRtpTransceiver {
  readonly mid: string | null;
  readonly sender: WrtcRtpSender;
  readonly receiver: WrtcRtpReceiver;
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
}

export interface WrtcTrackEvent {
  track: WrtcMediaStreamTrack;
  receiver: WrtcRtpReceiver;
  transceiver: WrtcRtpTransceiver;
  streams: WrtcMediaStream[];
}

export interface WrtcPeerConnectionConfig {
  iceServers?: { urls: string | string[]; username?: string; credential?: string }[];
  bundlePolicy?: 'balanced' | 'max-bundle' | 'max-compat';
  /** Nonstandard (node-webrtc): the UDP ports this connection's ICE transports may use. */
  portRange?: { min: number; max: number };
}

export interface WrtcPeerConnection {
  readonly connectionState: 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';
  readonly iceConnectionState: string;
  readonly iceGatheringState: 'new' | 'gathering' | 'complete';
  readonly localDescription: WrtcSessionDescriptionInit | null;
  onicecandidate: ((event: { candidate: WrtcIceCandidateInit | null }) => void) | null;
  ontrack: ((event: WrtcTrackEvent) => void) | null;
  onconnectionstatechange: (() => void) | null;
  addTrack(track: WrtcMediaStreamTrack, ...streams: WrtcMediaStream[]): WrtcRtpSender;
  addTransceiver(
    trackOrKind: WrtcMediaStreamTrack | 'audio' | 'video',
    init?: { direction?: WrtcRtpTransceiver['direction']; sendEncodings?: { maxBitrate?: number }[] },
  ): WrtcRtpTransceiver;
  createOffer(): Promise<WrtcSessionDescriptionInit>;
  createAnswer(): Promise<WrtcSessionDescriptionInit>;
  setLocalDescription(description: WrtcSessionDescriptionInit): Promise<void>;
  setRemoteDescription(description: WrtcSessionDescriptionInit): Promise<void>;
  addIceCandidate(candidate: WrtcIceCandidateInit): Promise<void>;
  close(): void;
}

export interface WrtcAudioSink {
  readonly stopped: boolean;
  ondata: ((data: WrtcAudioData & { type: 'data' }) => void) | null;
  stop(): void;
}

export interface WrtcVideoSink {
  readonly stopped: boolean;
  onframe: ((event: { type: 'frame'; frame: WrtcVideoFrame }) => void) | null;
  stop(): void;
}

export interface WrtcAudioSource {
  createTrack(): WrtcMediaStreamTrack;
  onData(data: WrtcAudioData): void;
}

export interface WrtcVideoSource {
  createTrack(): WrtcMediaStreamTrack;
  onFrame(frame: WrtcVideoFrame): void;
}

export interface Wrtc {
  RTCPeerConnection: new (config?: WrtcPeerConnectionConfig) => WrtcPeerConnection;
  MediaStream: new (tracks?: WrtcMediaStreamTrack[]) => WrtcMediaStream;
  nonstandard: {
    RTCAudioSink: new (track: WrtcMediaStreamTrack) => WrtcAudioSink;
    RTCVideoSink: new (track: WrtcMediaStreamTrack) => WrtcVideoSink;
    RTCAudioSource: new () => WrtcAudioSource;
    RTCVideoSource: new (init?: { isScreencast?: boolean; needsDenoising?: boolean }) => WrtcVideoSource;
  };
}

/** Loads the native engine on first use (a 26 MB library: only processes that mix pay for it; require caches it). */
export function loadWrtc(): Wrtc {
  return createRequire(import.meta.url)('@roamhq/wrtc') as Wrtc;
}
