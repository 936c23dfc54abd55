import { FRAME_SAMPLES } from './frame.ts';

/**
 * The sum of every input, sample by sample. Int32 holds the sum of 65,536 full-scale Int16 inputs
 * without overflow, so the sum is exact and each listener's mix-minus is `total - own`.
 */
export function sumFrames(frames: Iterable<Int16Array>, total: Int32Array = new Int32Array(FRAME_SAMPLES)): Int32Array {
  total.fill(0);
  for (const frame of frames) {
    for (let i = 0; i < total.length; i++) total[i]! += frame[i]!;
  }
  return total;
}

/**
 * One listener's mix: everyone but themselves. `own` is the listener's own input frame, or
 * undefined for a listener who does not publish (they hear everyone).
 */
export function mixMinus(total: Int32Array, own: Int16Array | undefined, out: Int32Array = new Int32Array(total.length)): Int32Array {
  if (own === undefined) {
    out.set(total);
    return out;
  }
  for (let i = 0; i < total.length; i++) out[i] = total[i]! - own[i]!;
  return out;
}
