import { describe, expect, it } from 'vitest';
import { FRAME_SAMPLES, SAMPLE_RATE_HZ } from '../audio/frame.ts';
import { sineFrames, tonePower } from '../audio/goertzel.ts';
import type { TickHandler } from '../clock.ts';
import type { WrtcAudioData, WrtcMediaStreamTrack, WrtcVideoFrame } from '../engine/wrtc.ts';
import { createI420 } from '../video/i420.ts';
import { RoomMixer, type Compositor, type MixerClock } from './room-mixer.ts';

/** Sources, sinks and tracks that record what the mixer does with them. */
function fakeWrtc() {
  const tracks: FakeTrack[] = [];
  const audioSinks: FakeAudioSink[] = [];
  const videoSinks: FakeVideoSink[] = [];
  const audioOut = new Map<FakeTrack, Int16Array[]>();
  const videoOut = new Map<FakeTrack, WrtcVideoFrame[]>();
  class FakeTrack implements WrtcMediaStreamTrack {
    readonly id = `t${tracks.length}`;
    enabled = true;
    ended = false;
    constructor(readonly kind: 'audio' | 'video') {
      tracks.push(this);
    }
    stop(): void {
      this.ended = true;
    }
  }
  class FakeAudioSink {
    stopped = false;
    ondata: ((d: WrtcAudioData & { type: 'data' }) => void) | null = null;
    constructor(readonly track: WrtcMediaStreamTrack) {
      audioSinks.push(this);
    }
    stop(): void {
      this.stopped = true;
    }
  }
  class FakeVideoSink {
    stopped = false;
    onframe: ((e: { type: 'frame'; frame: WrtcVideoFrame }) => void) | null = null;
    constructor(readonly track: WrtcMediaStreamTrack) {
      videoSinks.push(this);
    }
    stop(): void {
      this.stopped = true;
    }
  }
  const wrtc = {
    nonstandard: {
      RTCAudioSink: FakeAudioSink,
      RTCVideoSink: FakeVideoSink,
      RTCAudioSource: class {
        readonly #track = new FakeTrack('audio');
        createTrack() {
          audioOut.set(this.#track, []);
          return this.#track;
        }
        onData(d: WrtcAudioData) {
          audioOut.get(this.#track)?.push(d.samples);
        }
      },
      RTCVideoSource: class {
        readonly #track = new FakeTrack('video');
        createTrack() {
          videoOut.set(this.#track, []);
          return this.#track;
        }
        onFrame(f: WrtcVideoFrame) {
          videoOut.get(this.#track)?.push(f);
        }
      },
    },
  };
  return { wrtc, FakeTrack, tracks, audioSinks, videoSinks, audioOut, videoOut };
}

class ManualClock implements MixerClock {
  handler: TickHandler | undefined;
  tick = 0;
  get running(): boolean {
    return this.handler !== undefined;
  }
  start(handler: TickHandler): void {
    this.handler = handler;
  }
  stop(): void {
    this.handler = undefined;
  }
  /** Runs ticks, letting the (instant) composites of each settle before the next. */
  async advance(ticks: number, each?: () => void): Promise<void> {
    for (let i = 0; i < ticks && this.handler; i++) {
      each?.();
      this.handler(++this.tick, 0);
      await flush();
    }
  }
}

/** Records what would be composited; answers at once with a blank frame. */
function fakeCompositor() {
  const calls: Array<{ tiles: string[]; names: Array<string | undefined>; layoutTiles: number }> = [];
  const sources = new Set<string>();
  let closed = false;
  const compositor: Compositor = {
    updateFrame: (id) => void sources.add(id),
    removeSource: (id) => void sources.delete(id),
    composite: async (tiles, layout, width, height) => {
      calls.push({ tiles: tiles.map((t) => t.sourceId), names: tiles.map((t) => t.name), layoutTiles: layout.length });
      return { ...createI420(width, height), elapsedMs: 1 };
    },
    close: async () => void (closed = true),
  };
  return { compositor, calls, sources, isClosed: () => closed };
}

function setup(layout: 'auto' | 'grid' = 'auto') {
  const fake = fakeWrtc();
  const clock = new ManualClock();
  const comp = fakeCompositor();
  let created = 0;
  const mixer = new RoomMixer({ wrtc: fake.wrtc, clock, layout, createCompositor: () => (created++, comp.compositor), fps: 20 });
  return { ...fake, clock, comp, mixer, compositorsCreated: () => created };
}

const audio = (samples: Int16Array, sampleRate = SAMPLE_RATE_HZ) => ({ type: 'data' as const, samples, sampleRate, channelCount: 1, numberOfFrames: samples.length });
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('RoomMixer', () => {
  it('encodes nothing until an input arrives, and stops when the last input goes', () => {
    const { mixer, clock, FakeTrack, compositorsCreated } = setup();
    mixer.addParticipant('a', 'Ann');
    mixer.addParticipant('b', 'Ben');
    expect(mixer.encoding).toBe(false);
    expect(clock.running).toBe(false);
    expect(compositorsCreated()).toBe(0);
    mixer.setInput('a', new FakeTrack('audio'));
    expect(mixer.encoding).toBe(true);
    mixer.removeInput('a', 'audio');
    expect(mixer.encoding).toBe(false);
  });

  it('gives each listener everyone but themselves, in audio and in the composite', async () => {
    const { mixer, clock, FakeTrack, audioSinks, videoSinks, audioOut, videoOut, comp } = setup('grid');
    const outs = { a: mixer.addParticipant('a', 'Ann'), b: mixer.addParticipant('b', 'Ben'), c: mixer.addParticipant('c', 'Cat') };
    const tones = { a: sineFrames(500, 6000), b: sineFrames(1100, 6000) };
    mixer.setInput('a', new FakeTrack('audio'));
    mixer.setInput('b', new FakeTrack('audio'));
    mixer.setInput('b', new FakeTrack('video'));
    const [sinkA, sinkB] = audioSinks;
    // The sink's warm-up frames (16 kHz) are dropped.
    sinkA!.ondata!(audio(new Int16Array(160), 16_000));
    await clock.advance(60, () => {
      sinkA!.ondata!(audio(tones.a(clock.tick)));
      sinkB!.ondata!(audio(tones.b(clock.tick)));
      videoSinks[0]!.onframe!({ type: 'frame', frame: createI420(64, 48) });
    });
    await flush();
    expect(mixer.stats.audioFramesDropped).toBe(1);
    const heard = (id: 'a' | 'b' | 'c') => {
      const frames = audioOut.get(outs[id].audio as never)!.slice(-20);
      const all = new Int16Array(frames.length * FRAME_SAMPLES);
      frames.forEach((f, i) => all.set(f, i * FRAME_SAMPLES));
      return { ann: tonePower(all, 500), ben: tonePower(all, 1100) };
    };
    expect(heard('a').ann).toBeLessThan(1e-6);
    expect(heard('a').ben).toBeGreaterThan(0.004);
    expect(heard('b').ben).toBeLessThan(1e-6);
    expect(heard('b').ann).toBeGreaterThan(0.004);
    expect(heard('c').ann).toBeGreaterThan(0.004);
    expect(heard('c').ben).toBeGreaterThan(0.004);
    // 60 ticks at 20 fps: 12 composites per listener, each without the listener's own tile.
    for (const id of ['a', 'b', 'c'] as const) expect(videoOut.get(outs[id].video as never)!.length).toBe(12);
    expect(comp.calls.at(-3)).toEqual({ tiles: ['b', 'c'], names: ['Ben', 'Cat'], layoutTiles: 2 });
    expect(comp.calls.at(-1)).toEqual({ tiles: ['a', 'b'], names: ['Ann', 'Ben'], layoutTiles: 2 });
    expect(comp.sources.has('b')).toBe(true);
    expect(mixer.stats).toMatchObject({ participants: 3, audioInputs: 2, videoInputs: 1, videoFramesOut: 36 });
  });

  it('shows the loudest input large to the others once it speaks', async () => {
    const { mixer, clock, FakeTrack, audioSinks, comp } = setup('auto');
    for (const [id, name] of [['a', 'Ann'], ['b', 'Ben'], ['c', 'Cat']] as const) mixer.addParticipant(id, name);
    mixer.setInput('a', new FakeTrack('audio'));
    mixer.setInput('c', new FakeTrack('audio'));
    const voice = sineFrames(300, 8000);
    await clock.advance(50, () => {
      audioSinks[0]!.ondata!(audio(new Int16Array(FRAME_SAMPLES)));
      audioSinks[1]!.ondata!(audio(voice(clock.tick)));
    });
    await flush();
    expect(mixer.speaker).toBe('c');
    const last = comp.calls.slice(-3);
    expect(last[0]!.tiles).toEqual(['c', 'b']); // Ann sees Cat first (large)
    expect(last[2]!.tiles).toEqual(['a', 'b']); // Cat, the speaker, sees the grid
  });

  it('releases a leaver\'s sinks and output tracks, and the compositor on close', async () => {
    const { mixer, FakeTrack, audioSinks, videoSinks, comp, clock } = setup();
    const a = mixer.addParticipant('a', 'Ann');
    mixer.addParticipant('b', 'Ben');
    mixer.setInput('a', new FakeTrack('audio'));
    mixer.setInput('a', new FakeTrack('video'));
    await clock.advance(10);
    mixer.removeParticipant('a');
    expect(audioSinks[0]!.stopped && videoSinks[0]!.stopped).toBe(true);
    expect((a.audio as unknown as { ended: boolean }).ended).toBe(true);
    expect((a.video as unknown as { ended: boolean }).ended).toBe(true);
    expect(mixer.encoding).toBe(false);
    expect(mixer.has('a')).toBe(false);
    await mixer.close();
    expect(comp.isClosed()).toBe(true);
    expect(() => mixer.addParticipant('c', 'Cat')).toThrow(/closed/);
    await mixer.close();
  });

  it('replaces an input of the same kind, stopping the old sink', () => {
    const { mixer, FakeTrack, audioSinks } = setup();
    mixer.addParticipant('a', 'Ann');
    const first = new FakeTrack('audio');
    mixer.setInput('a', first);
    mixer.setInput('a', first);
    expect(audioSinks).toHaveLength(1);
    mixer.setInput('a', new FakeTrack('audio'));
    expect(audioSinks[0]!.stopped).toBe(true);
    expect(audioSinks).toHaveLength(2);
    expect(() => mixer.setInput('zz', first)).toThrow(/no participant/);
  });

  it('makes outputs only for listening participants, still mixing the others in; showSelf adds the listener\'s own tile', async () => {
    const { mixer, clock, FakeTrack, audioOut, videoOut, comp } = setup('grid');
    const outs = { a: mixer.addParticipant('a', 'Ann'), b: mixer.addParticipant('b', 'Ben'), c: mixer.addParticipant('c', 'Cat') };
    mixer.setListening('b', false);
    mixer.setListening('c', false);
    mixer.setListening('a', true, { showSelf: true });
    mixer.setInput('b', new FakeTrack('video'));
    await clock.advance(20);
    await flush();
    expect(videoOut.get(outs.a.video as never)!.length).toBe(4);
    expect(videoOut.get(outs.b.video as never)!).toHaveLength(0);
    expect(audioOut.get(outs.c.audio as never)!).toHaveLength(0);
    expect(comp.calls.every((c) => c.tiles.join() === 'a,b,c')).toBe(true);
    mixer.setListening('a', true);
    await clock.advance(5);
    expect(comp.calls.at(-1)!.tiles).toEqual(['b', 'c']);
    expect(() => mixer.setListening('zz', true)).toThrow(/no participant/);
  });

  it('rejects an odd composite size', () => {
    expect(() => new RoomMixer({ wrtc: fakeWrtc().wrtc, createCompositor: () => fakeCompositor().compositor, width: 641 })).toThrow(RangeError);
  });
});
