import { SAMPLE_RATE_HZ } from './frame.ts';

/**
 * The power of one frequency in a block of samples (Goertzel), normalised so a full-scale sine
 * at exactly that frequency gives ≈ 0.25 and silence gives 0. Used to tell voices apart in a mix
 * (tests, and checking that a decoded stream carries the expected tone).
 */
export function tonePower(samples: ArrayLike<number>, frequencyHz: number, sampleRateHz = SAMPLE_RATE_HZ): number {
  const n = samples.length;
  if (n === 0) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * frequencyHz) / sampleRateHz);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = samples[i]! / 32_768 + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return power / (n * n);
}

/** A sine tone as 16-bit frames: `frame(k)` returns the k-th frame, phase-continuous. */
export function sineFrames(frequencyHz: number, amplitude: number, frameSamples = 480, sampleRateHz = SAMPLE_RATE_HZ): (k: number) => Int16Array {
  return (k) => {
    const out = new Int16Array(frameSamples);
    for (let i = 0; i < frameSamples; i++) {
      out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * (k * frameSamples + i)) / sampleRateHz));
    }
    return out;
  };
}
