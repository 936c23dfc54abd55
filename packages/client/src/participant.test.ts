import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteParticipant } from './participant.ts';

/** Just enough of MediaStreamTrack / MediaStream for the placement logic (Node has neither). */
class FakeTrack extends EventTarget {
  muted = true;
  readyState: 'live' | 'ended' = 'live';
  constructor(readonly kind: 'audio' | 'video', readonly id: string) {
    super();
  }
  setMuted(muted: boolean): void {
    this.muted = muted;
    this.dispatchEvent(new Event(muted ? 'mute' : 'unmute'));
  }
}
class FakeStream {
  readonly #tracks: FakeTrack[] = [];
  log: string[] = [];
  getTracks = () => [...this.#tracks];
  getVideoTracks = () => this.#tracks.filter((t) => t.kind === 'video');
  getAudioTracks = () => this.#tracks.filter((t) => t.kind === 'audio');
  addTrack(t: FakeTrack): void {
    this.#tracks.push(t);
    this.log.push(`+${t.id}`);
  }
  removeTrack(t: FakeTrack): void {
    const i = this.#tracks.indexOf(t);
    if (i >= 0) this.#tracks.splice(i, 1);
    if (i >= 0) this.log.push(`-${t.id}`);
  }
}

const saved = globalThis.MediaStream;
beforeAll(() => void (globalThis.MediaStream = FakeStream as unknown as typeof MediaStream));
afterAll(() => void (globalThis.MediaStream = saved));

const track = (kind: 'audio' | 'video', id: string, live = true) => {
  const t = new FakeTrack(kind, id);
  t.muted = !live;
  return t as unknown as MediaStreamTrack;
};
const ids = (s: MediaStream | undefined) => (s?.getTracks() ?? []).map((t) => t.id);
const make = () => new RemoteParticipant({ id: 'bob', identity: 'bob', name: 'Bob', metadata: '', joinedAt: 0 });

describe('RemoteParticipant placement', () => {
  it('puts a screen stream\'s tracks in `screen` once announced, and back when it is not', () => {
    const p = make();
    p.addTrack(track('video', 'cam'), 'S1');
    p.addTrack(track('video', 'scr'), 'S2');
    expect(ids(p.stream)).toEqual(['cam', 'scr']);
    p.setSources({ S2: 'screen' });
    expect(ids(p.stream)).toEqual(['cam']);
    expect(ids(p.screen)).toEqual(['scr']);
    p.setSources({});
    expect(p.screen).toBeUndefined();
  });

  it('an SFU producer\'s own source places its track without an announcement', () => {
    const p = make();
    p.addTrack(track('video', 'scr'), 'S2', { via: 'sfu', source: 'screen' });
    expect(ids(p.screen)).toEqual(['scr']);
    expect(ids(p.stream)).toEqual([]);
  });
});

describe('RemoteParticipant during a topology switch', () => {
  it('keeps showing the old path until the new track is live, then swaps adding before removing', () => {
    const p = make();
    let changes = 0;
    p.onDisplayChanged = () => changes++;
    const mesh = track('video', 'mesh');
    p.addTrack(mesh, 'S1', { via: 'mesh' });
    const sfu = track('video', 'sfu', false);
    p.addTrack(sfu, 'S1', { via: 'sfu' });
    expect(ids(p.stream)).toEqual(['mesh']);
    const log = (p.stream as unknown as FakeStream).log;
    log.length = 0;
    changes = 0;
    (sfu as unknown as FakeTrack).setMuted(false);
    expect(ids(p.stream)).toEqual(['sfu']);
    expect(log).toEqual(['+sfu', '-mesh']);
    expect(changes).toBe(1);
    expect(p.tracks).toHaveLength(2);
    expect(p.removeTrack(mesh)).toBe(true);
    expect(ids(p.stream)).toEqual(['sfu']);
    expect(p.removeTrack(mesh)).toBe(false);
  });

  it('falls back to the older path when the shown track goes quiet', () => {
    const p = make();
    const old = track('audio', 'old');
    const neu = track('audio', 'new');
    p.addTrack(old, 'S1', { via: 'mesh' });
    p.addTrack(neu, 'S1', { via: 'sfu' });
    expect(ids(p.stream)).toEqual(['new']);
    (neu as unknown as FakeTrack).setMuted(true);
    expect(ids(p.stream)).toEqual(['old']);
  });

  it('removing the shown track shows the other one at once', () => {
    const p = make();
    const a = track('video', 'a');
    const b = track('video', 'b');
    p.addTrack(a, 'S1', { via: 'mesh' });
    p.addTrack(b, 'S1', { via: 'sfu' });
    p.removeTrack(b);
    expect(ids(p.stream)).toEqual(['a']);
  });

  it('shows different streams side by side (two cameras), one track each', () => {
    const p = make();
    p.addTrack(track('video', 'c1'), 'S1');
    p.addTrack(track('video', 'c2'), 'S2');
    expect(ids(p.stream)).toEqual(['c1', 'c2']);
  });

  it('reports what each path brings, for make-before-break', () => {
    const p = make();
    p.addTrack(track('video', 'm'), 'S1', { via: 'mesh' });
    p.addTrack(track('video', 's', false), 'S1', { via: 'sfu' });
    expect(p.pathTracks('mesh')).toEqual([{ key: 'S1|video', live: true }]);
    expect(p.pathTracks('sfu')).toEqual([{ key: 'S1|video', live: false }]);
    expect(p.tracksVia('sfu').map((t) => t.id)).toEqual(['s']);
    expect(p.videoTracksOf('camera').map((t) => t.id)).toEqual(['m', 's']);
  });

  it('takes its connection state from the SFU connection when there is one', () => {
    const p = make();
    expect(p.connectionState).toBe('new');
    p.mediaConnection = { connectionState: 'connected' };
    expect(p.connectionState).toBe('connected');
  });
});
