// Normalises the browser WebRTC API (shims and quirks) before anything uses it.
import 'webrtc-adapter';

export { Room, type RoomOptions, type RoomEvents, type LocalParticipantInfo, type StatsSource, type AudioSlot } from './room.ts';
export { RemoteParticipant, type MediaSourceKind, type MediaPath, type ReceivedTrackOptions } from './participant.ts';
export { SfuConnection, type SfuConnectionOptions, type SfuConnectionEvents, type SfuOfferRequest, type SfuOfferAnswer } from './sfu/connection.ts';
export { McuConnection, type McuConnectionOptions, type McuConnectionEvents } from './mcu/connection.ts';
export { McuDownlink, type McuDownlinkHost, type McuDownlinkOptions, type DownlinkState } from './mcu/downlink.ts';
export { LowBandwidthMode, type LowBandwidthOptions, type LowBandwidthHost } from './mcu/low-bandwidth.ts';
export { DownlinkPolicy, type DownlinkPolicyOptions } from './sfu/downlink-policy.ts';
export { ServerPeer, type ServerPeerOptions } from './server-peer.ts';
export { codecOrder, type VideoCodec } from './sfu/codec-preference.ts';
export { TopologySwitch, READY_MESSAGES, type SwitchedTopology, type TopologySwitchHost, type TopologySwitchOptions } from './sfu/switch.ts';
export { SizeThrottle, MAX_VIDEO_SIZE, type SizeThrottleOptions } from './sfu/size-throttle.ts';
export { NegotiationQueue } from './sfu/negotiation-queue.ts';
export { CAMERA_SIMULCAST, activeLayers, producerSource, sendEncodingsFor } from './sfu/layers.ts';
export { covers, pathKey, selectStats, type PathTrack } from './sfu/readiness.ts';
export { LocalMedia, AudioLevelMeter, type LocalMediaState, type LocalMediaEvents, type MediaProblem } from './local-media.ts';
export { Chat, type ChatEvents, type ChatMessage } from './chat.ts';
export { StatsCollector, type StatsEvents } from './stats/collector.ts';
export { computeSample, reduceReport, qualityOf, type PeerStatsSample, type RawStats, type Quality, type PathType } from './stats/compute.ts';
export { FileTransfers, Transfer, FileTransferError, FILE_TRANSFER_ERROR_CODES, type FileTransfersOptions, type FileTransfersEvents, type FileTransferRoom, type SendOptions, type TransferDirection, type TransferState, type TransferStorage, type FileTransferErrorCode } from './files/index.ts';
export { SignalClient, type SignalClientOptions, type SignalClientEvents, type SignalState, type SignalClientStats } from './signal-client.ts';
export { MeshPeer, type MeshPeerOptions } from './mesh/peer.ts';
export { ParleyError, type ClientErrorCode } from './errors.ts';
export { Emitter } from './emitter.ts';
export { defaultReconnectPolicy, type ReconnectPolicy } from './reconnect-policy.ts';
export type { TransportKind } from './transports/types.ts';
export * as api from './api.ts';
