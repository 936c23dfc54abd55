import { describe, expect, it } from 'vitest';
import { AudioMixer } from './audio-mixer.ts';
import { FRAME_SAMPLES, INT16_MAX } from './frame.ts';
import { sineFrames, tonePower } from './goertzel.ts';
import { mixMinus, sumFrames } from './mix-minus.ts';

// Frequencies on whole cycles per 10 ms frame (multiples of 100 Hz) so one frame's Goertzel bins don't leak into each other.
const FREQS = [300, 500, 700, 1100, 1300, 1700, 1900, 2300, 2900, 3100];

describe('mix-minus', () => {
  it('gives each listener everyone but themselves (sum once, subtract own)', () => {
    const frames = FREQS.slice(0, 3).map((f) => sineFrames(f, 3000)(0));
    const total = sumFrames(frames);
    for (let me = 0; me < 3; me++) {
      const mix = mixMinus(total, frames[me]);
      for (let other = 0; other < 3; other++) {
        const power = tonePower(mix, FREQS[other]!);
        if (other === me) expect(power).toBeLessThan(1e-6);
        else expect(power).toBeGreaterThan(0.001);
      }
    }
  });

  it('gives a listener who does not publish the whole sum', () => {
    const frames = [sineFrames(300, 1000)(0), sineFrames(500, 1000)(0)];
    expect(Array.from(mixMinus(sumFrames(frames), undefined))).toEqual(Array.from(sumFrames(frames)));
  });
});

describe('AudioMixer', () => {
  function room(n: number, amplitude: number): { mixer: AudioMixer; tones: ((k: number) => Int16Array)[]; ids: string[] } {
    const mixer = new AudioMixer();
    const ids = FREQS.slice(0, n).map((_, i) => `p${i}`);
    for (const id of ids) {
      mixer.addInput(id);
      mixer.addListener(id);
    }
    return { mixer, ids, tones: FREQS.slice(0, n).map((f) => sineFrames(f, amplitude)) };
  }

  it("leaves each listener's own voice out of their mix", () => {
    const { mixer, ids, tones } = room(4, 4000);
    let out = new Map<string, Int16Array>();
    for (let k = 0; k < 5; k++) {
      ids.forEach((id, i) => mixer.push(id, tones[i]!(k)));
      out = mixer.mix();
    }
    ids.forEach((id, me) => {
      const mix = out.get(id)!;
      FREQS.slice(0, 4).forEach((f, i) => {
        if (i === me) expect(tonePower(mix, f)).toBeLessThan(1e-6);
        else expect(tonePower(mix, f)).toBeGreaterThan(0.001);
      });
    });
  });

  it('never clips with 10 simultaneous full-scale voices', () => {
    const { mixer, ids, tones } = room(10, INT16_MAX);
    mixer.addListener('viewer'); // hears all ten
    let peak = 0;
    let saturated = 0;
    for (let k = 0; k < 100; k++) {
      ids.forEach((id, i) => mixer.push(id, tones[i]!(k)));
      for (const frame of mixer.mix().values()) {
        for (const s of frame) {
          peak = Math.max(peak, Math.abs(s));
          if (s >= INT16_MAX || s <= -INT16_MAX) saturated++;
        }
      }
    }
    expect(saturated).toBe(0);
    expect(peak).toBeLessThanOrEqual(Math.round(INT16_MAX * 0.89));
    expect(peak).toBeGreaterThan(INT16_MAX * 0.8); // limited, not muted
  });

  it('passes one normal voice through bit-exact (unity gain), a frame behind once it has buffered', () => {
    const { mixer, tones } = room(1, 8000); // ≈ −12 dBFS
    mixer.addListener('viewer');
    for (let k = 0; k < 50; k++) {
      mixer.push('p0', tones[0]!(k));
      const out = mixer.mix();
      // The input starts playing once two frames are queued (startDepth), then keeps that one frame of slack.
      expect(Array.from(out.get('viewer')!)).toEqual(k === 0 ? Array.from(new Int16Array(FRAME_SAMPLES)) : Array.from(tones[0]!(k - 1)));
      expect(out.get('p0')!.every((s) => s === 0)).toBe(true);
    }
  });

  it('counts an underrun as a glitch when it leaves a hole in a listener\'s mix, and fills it with silence', () => {
    const mixer = new AudioMixer({ jitter: { startDepth: 1 } });
    for (const id of ['p0', 'p1']) {
      mixer.addInput(id);
      mixer.addListener(id);
    }
    const tones = [sineFrames(FREQS[0]!, 1000), sineFrames(FREQS[1]!, 1000)];
    expect(mixer.mix().size).toBe(2); // not started yet: no glitch
    expect(mixer.stats.glitches).toBe(0);
    mixer.push('p0', tones[0]!(0));
    mixer.push('p1', tones[1]!(0));
    mixer.mix();
    mixer.push('p1', tones[1]!(1));
    const out = mixer.mix(); // p0 missed this tick
    expect(mixer.stats.glitches).toBe(1);
    expect(mixer.stats.inputs.p0!.underruns).toBe(1);
    expect(tonePower(out.get('p1')!, FREQS[0]!)).toBe(0);
    mixer.removeInput('p0');
    expect(mixer.stats.glitches).toBe(1); // kept after the input leaves
  });

  it('drops the oldest frame when an input runs ahead', () => {
    const mixer = new AudioMixer({ jitterFrames: 2 });
    mixer.addInput('a');
    mixer.addListener('b');
    const tone = sineFrames(300, 1000);
    for (let k = 0; k < 5; k++) mixer.push('a', tone(k));
    expect(mixer.stats.inputs.a).toMatchObject({ pushed: 5, dropped: 3, underruns: 0 });
    expect(Array.from(mixer.mix().get('b')!)).toEqual(Array.from(tone(3)));
  });

  it('produces nothing once nobody publishes, and rejects frames that are not 10 ms', () => {
    const { mixer } = room(1, 1000);
    expect(() => mixer.push('p0', new Int16Array(FRAME_SAMPLES - 1))).toThrow(RangeError);
    mixer.removeInput('p0');
    expect(mixer.mix().size).toBe(0);
    expect(mixer.inputCount).toBe(0);
  });
});
