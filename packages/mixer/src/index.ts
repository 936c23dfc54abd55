export { FRAME_DURATION_MS, FRAME_SAMPLES, INT16_MAX, SAMPLE_RATE_HZ, assertFrame, silentFrame } from './audio/frame.ts';
export { mixMinus, sumFrames } from './audio/mix-minus.ts';
export { Limiter, type LimiterOptions } from './audio/limiter.ts';
export { JitterQueue, type JitterQueueStats } from './audio/jitter-queue.ts';
export { AudioMixer, type AudioMixerOptions, type AudioMixerStats } from './audio/audio-mixer.ts';
export { sineFrames, tonePower } from './audio/goertzel.ts';
export { TickClock, type TickClockOptions, type TickClockStats, type TickHandler } from './clock.ts';
export {
  BLACK,
  assertI420,
  chromaRect,
  chromaSize,
  createI420,
  fillRect,
  i420ByteLength,
  planes,
  rgbToYuv,
  type I420Frame,
  type Plane,
  type Rect,
  type Yuv,
} from './video/i420.ts';
export { blitScaled, scalePlane } from './video/scale.ts';
export { evenRect, fitRect } from './video/fit.ts';
export { gridLayout, speakerLayout, type Layout, type LayoutOptions } from './video/layout.ts';
export { GLYPH_HEIGHT, GLYPH_WIDTH, glyph, hasGlyph } from './video/font.ts';
export { drawLabel, labelGeometry, type LabelStyle } from './video/label.ts';
export { composite, type CompositeInput, type CompositeOptions } from './video/composite.ts';
export { viewFor, type LayoutKind, type Participant, type View, type ViewOptions } from './video/view.ts';
export { CompositorClosedError, WorkerCompositor, type CompositeResult } from './video/compositor.ts';
export * from './engine/wrtc.ts';
export { RoomMixer, type Compositor, type MixerClock, type MixerOutputs, type RoomMixerOptions, type RoomMixerStats } from './mcu/room-mixer.ts';
export { McuPeer, McuPeerClosedError, McuPeerUnsupportedError, type McuPeerOptions } from './mcu/mcu-peer.ts';
export { SpeakerDetector, rms, type SpeakerDetectorOptions } from './mcu/speaker.ts';
export { offerReceives, offerSends, sdpSections, withBandwidth, type SdpDirection, type SdpSection } from './mcu/sdp.ts';
export { SubscriberPeer, type SubscriberPeerOptions, type WantedTrack } from './mcu/subscriber-peer.ts';
