import { describe, expect, it } from 'vitest';
import { cleanSources, parseSourcesMessage } from './media-state.ts';

describe('parseSourcesMessage', () => {
  it('reads the control-channel announcement', () => {
    const m = parseSourcesMessage(JSON.stringify({ t: 'sources', sources: { s1: 'camera', s2: 'screen' }, audio: false, video: true }));
    expect(m).toEqual({ audio: false, video: true, sources: { s1: 'camera', s2: 'screen' } });
  });

  it('ignores other messages, broken JSON and oversized frames', () => {
    expect(parseSourcesMessage('{"t":"sfuReady"}')).toBeUndefined();
    expect(parseSourcesMessage('{"t":"sources",')).toBeUndefined();
    expect(parseSourcesMessage(`{"t":"sources","x":"${'a'.repeat(9000)}"}`)).toBeUndefined();
    expect(parseSourcesMessage(42)).toBeUndefined();
  });
});

describe('cleanSources', () => {
  it('drops unknown kinds, cuts long ids and keeps at most 16', () => {
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`s${i}`, 'camera']));
    expect(Object.keys(cleanSources(many))).toHaveLength(16);
    expect(cleanSources({ a: 'mic', b: 'screen' })).toEqual({ b: 'screen' });
    expect(Object.keys(cleanSources({ ['x'.repeat(200)]: 'camera' }))[0]).toHaveLength(128);
    expect(cleanSources(null)).toEqual({});
  });
});
