/** Audio frames the mixer works on: 10 ms of 48 kHz mono, 16-bit signed (what libwebrtc's audio sinks and sources use). */
export const SAMPLE_RATE_HZ = 48_000;
export const FRAME_DURATION_MS = 10;
export const FRAME_SAMPLES = (SAMPLE_RATE_HZ * FRAME_DURATION_MS) / 1000; // 480
export const INT16_MAX = 32_767;

/** A frame of silence. */
export function silentFrame(): Int16Array {
  return new Int16Array(FRAME_SAMPLES);
}

/** Throws unless `frame` holds exactly one 10 ms frame (libwebrtc rejects any other size). */
export function assertFrame(frame: Int16Array): void {
  if (frame.length !== FRAME_SAMPLES) {
    throw new RangeError(`an audio frame holds ${FRAME_SAMPLES} samples (10 ms at 48 kHz), got ${frame.length}`);
  }
}
