import { describe, expect, it } from 'vitest';
import { covers, pathKey, selectStats } from './readiness.ts';

const t = (streamId: string, kind: string, live = true) => ({ key: pathKey(streamId, kind), live });

describe('covers', () => {
  it('is true when every live old track has a live twin on the new path', () => {
    expect(covers([t('s1', 'video'), t('s1', 'audio')], [t('s1', 'audio'), t('s1', 'video')])).toBe(true);
  });

  it('is false while a twin is still muted or missing', () => {
    expect(covers([t('s1', 'video'), t('s1', 'audio')], [t('s1', 'audio'), t('s1', 'video', false)])).toBe(false);
    expect(covers([t('s1', 'video'), t('s1', 'audio')], [t('s1', 'audio')])).toBe(false);
  });

  it('tells streams apart: a screen does not cover the camera', () => {
    expect(covers([t('cam', 'video'), t('scr', 'video')], [t('scr', 'video')])).toBe(false);
  });

  it('needs no cover for old tracks that carry nothing, nor when there is nothing', () => {
    expect(covers([t('s1', 'video', false)], [])).toBe(true);
    expect(covers([], [])).toBe(true);
  });
});

describe('selectStats', () => {
  const report = [
    { id: 'a', type: 'inbound-rtp', trackIdentifier: 'ta', mid: '1' },
    { id: 'b', type: 'inbound-rtp', trackIdentifier: 'tb', mid: '2' },
    { id: 'c', type: 'inbound-rtp', mid: '3' },
    { id: 'o', type: 'outbound-rtp', mid: '0' },
    { id: 't', type: 'transport' },
  ];
  it('keeps one participant\'s inbound tracks (by track id or mid) and everything not inbound', () => {
    expect(selectStats(report, new Set(['ta']), new Set(['3'])).map((s) => s.id)).toEqual(['a', 'c', 'o', 't']);
  });
  it('keeps no inbound stats for a participant with none', () => {
    expect(selectStats(report, new Set(), new Set()).map((s) => s.id)).toEqual(['o', 't']);
  });
});
