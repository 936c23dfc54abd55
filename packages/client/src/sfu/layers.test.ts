import { describe, expect, it } from 'vitest';
import { activeLayers, CAMERA_SIMULCAST, producerSource, sendEncodingsFor } from './layers.ts';

describe('producerSource', () => {
  it('names each kind and source as the SFU does', () => {
    expect(producerSource('audio', 'camera')).toBe('microphone');
    expect(producerSource('video', 'camera')).toBe('camera');
    expect(producerSource('video', 'screen')).toBe('screen');
    expect(producerSource('audio', 'screen')).toBe('screenAudio');
  });
});

describe('sendEncodingsFor', () => {
  it('gives the camera three layers, lowest first, and copies (no shared objects)', () => {
    const a = sendEncodingsFor('camera')!;
    expect(a.map((e) => e.rid)).toEqual(['q', 'h', 'f']);
    expect(a.map((e) => e.maxBitrate)).toEqual([100_000, 500_000, 1_500_000]);
    expect(a[0]!.scaleResolutionDownBy).toBe(4);
    a[0]!.maxBitrate = 1;
    expect(CAMERA_SIMULCAST[0]!.maxBitrate).toBe(100_000);
  });

  it('gives a screen and audio one encoding', () => {
    expect(sendEncodingsFor('screen')).toBeUndefined();
    expect(sendEncodingsFor('microphone')).toBeUndefined();
  });
});

describe('activeLayers', () => {
  it('keeps only the wanted rids on', () => {
    expect(activeLayers(['q', 'h', 'f'], ['h'])).toEqual([false, true, false]);
    expect(activeLayers(['q', 'h', 'f'], ['q', 'f'])).toEqual([true, false, true]);
  });

  it('keeps the lowest on when nobody watches any (or only unknown rids)', () => {
    expect(activeLayers(['q', 'h', 'f'], [])).toEqual([true, false, false]);
    expect(activeLayers(['q', 'h', 'f'], ['x'])).toEqual([true, false, false]);
  });

  it('never turns off an encoding without a rid', () => {
    expect(activeLayers([undefined], [])).toEqual([true]);
    expect(activeLayers([], ['q'])).toEqual([]);
  });
});
