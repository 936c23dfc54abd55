import { describe, expect, it } from 'vitest';
import { sineFrames } from '../audio/goertzel.ts';
import { SpeakerDetector, rms } from './speaker.ts';

describe('SpeakerDetector', () => {
  const loud = sineFrames(300, 8000)(0);
  const soft = sineFrames(300, 2000)(0);
  const quiet = new Int16Array(480);

  it('names the loudest input above the threshold, keeps them through a short pause, then nobody', () => {
    const d = new SpeakerDetector({ holdMs: 1000 });
    expect(rms(loud)).toBeGreaterThan(5000);
    d.push('a', soft);
    d.push('b', loud);
    expect(d.update(0)).toBe('b');
    d.push('b', quiet);
    expect(d.update(500)).toBe('b');
    d.push('b', quiet);
    expect(d.update(1600)).toBeUndefined();
  });

  it('does not switch to a challenger only slightly louder than the speaker (hysteresis)', () => {
    const d = new SpeakerDetector();
    d.push('a', soft);
    expect(d.update(0)).toBe('a');
    d.push('a', soft);
    d.push('b', sineFrames(300, 2500)(0));
    expect(d.update(250)).toBe('a');
    d.push('a', soft);
    d.push('b', loud);
    expect(d.update(500)).toBe('b');
    d.remove('b');
    expect(d.speaker).toBeUndefined();
  });
});
