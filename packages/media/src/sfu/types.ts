import type { RtpView } from './rtp-view.ts';
import type { Vp8Ids } from './vp8.ts';

export type MediaKind = 'audio' | 'video';
export type ProducerCodec = 'opus' | 'VP8' | 'VP9' | 'H264';

export interface LayerStats {
  rid: string | undefined;
  ssrc: number | undefined;
  /** Bits per second over the last ~1 s. */
  bitrate: number;
  width?: number;
  height?: number;
  packets: number;
  lastPacketAt: number | undefined;
  /** VP8 with temporal layers: bits per second of each (TID 0 first; the layer's frame rate halves per step down). */
  temporalBitrates?: number[];
}

export interface ProducerStats {
  packets: number;
  bytes: number;
  /** Not RTP, an unknown layer index, or an SSRC already bound to another layer. */
  malformed: number;
  wrongPayloadType: number;
  duplicates: number;
  outOfOrder: number;
  keyframes: number;
  keyframeRequests: number;
  /** NACK packets sent to the publisher, repeats included. */
  nacksSent: number;
  /** Packets asked for again and again (NackRetries' limit) that never came (media, or lost padding: see NackRetries). */
  nacksGivenUp: number;
  /** Of those, VP8 packets that carried media that may be of the base temporal layer (vp8Hole): each asks the publisher for a key frame (rate-limited). */
  mediaLostForGood: number;
  /** Of those, VP8 packets of frames in upper temporal layers only (vp8Hole): no key frame needed, none asked for. */
  upperLayerLostForGood: number;
  /** Packets given up on that arrived after all (the publisher answered later than the SFU's asks allowed for). */
  lateAfterGivingUp: number;
  /** Exceptions thrown by a consumer's callbacks while forwarding (caught: one subscriber cannot stop the rest). */
  consumerErrors: number;
}

/** What the producer learnt about the packet it is forwarding; one object, refilled for every packet. */
export interface PacketInfo extends RtpView, Vp8Ids {
  layer: number;
  /** The first packet of a frame a decoder can start on. */
  keyframe: boolean;
  /** The producer's clock when the packet arrived: the consumers' send time. */
  receivedAt: number;
}

/**
 * What a producer hands its packets to: a `Consumer` (one subscription), or a `SlotConsumer` (an audio slot whose
 * source changes). `forward` is the per-packet path; `info` is refilled for the next packet.
 */
export interface ProducerSink {
  forward(packet: Buffer, info: PacketInfo): void;
  /** The producer closed: let go without detaching. */
  producerClosed(): void;
  /** The publisher unmuted. */
  producerResumed(): void;
  /** The simulcast layer forwarded now, if any (a key frame of another layer helps this sink not). */
  readonly currentLayer?: number | undefined;
}

/** Thrown when a closed producer is asked to take a consumer. */
export class SfuStateError extends Error {
  readonly code = 'CLOSED' as const;
  constructor(message: string) {
    super(message);
    this.name = 'SfuStateError';
  }
}
