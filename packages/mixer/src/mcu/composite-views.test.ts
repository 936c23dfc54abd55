import { describe, expect, it } from 'vitest';
import type { WrtcVideoFrame, WrtcVideoSource } from '../engine/wrtc.ts';
import type { CompositeResult } from '../video/compositor.ts';
import { CompositeViews, type Compositor, type ViewMember } from './composite-views.ts';

/** A compositor whose composites finish when the test says so. */
function slowCompositor() {
  const pending: { inputs: string[]; done: () => void }[] = [];
  const compositor: Compositor = {
    updateFrame: () => undefined,
    removeSource: () => undefined,
    close: async () => undefined,
    composite: (tiles, _layout, width, height) =>
      new Promise<CompositeResult>((resolve) => pending.push({ inputs: tiles.map((t) => t.sourceId), done: () => resolve({ width, height, data: new Uint8Array(0) } as unknown as CompositeResult) })),
  };
  /** Finishes the oldest composite and lets its continuation run. */
  const finish = async (): Promise<string[]> => {
    const job = pending.shift();
    if (!job) throw new Error('no composite in flight');
    job.done();
    await new Promise((r) => setImmediate(r));
    return job.inputs;
  };
  return { compositor, pending, finish };
}

function member(id: string, frames: WrtcVideoFrame[]): ViewMember {
  const videoSource = { onFrame: (f: WrtcVideoFrame) => frames.push(f), createTrack: () => undefined } as unknown as WrtcVideoSource;
  return { id, name: id.toUpperCase(), videoSource, compositing: false, listening: true, showSelf: false, presenting: false };
}

function setup() {
  const { compositor, pending, finish } = slowCompositor();
  const stats = { videoFramesOut: 0, videoFramesSkipped: 0, videoFramesLate: 0 };
  const views = new CompositeViews<ViewMember>({ createCompositor: () => compositor, width: 64, height: 36, stats, current: () => true });
  const received: WrtcVideoFrame[] = [];
  const alone: WrtcVideoFrame[] = [];
  const members = [member('a', received), member('b', alone)];
  return { views, members, pending, finish, stats, received };
}

describe('CompositeViews', () => {
  it('makes a composite that a tick found in flight as soon as the previous one is back, instead of dropping it', async () => {
    const { views, members, pending, finish, stats, received } = setup();
    views.compositeAll(members, undefined);
    expect(pending.length).toBe(2); // a sees b, b sees a: two views
    views.compositeAll(members, undefined); // both still in flight: made late
    expect(pending.length).toBe(2);
    expect(stats).toMatchObject({ videoFramesLate: 2, videoFramesSkipped: 0 });
    expect(await finish()).toEqual(['b']); // a's first composite back: a gets it, and a's late one starts
    expect(received.length).toBe(1);
    expect(pending.map((p) => p.inputs)).toEqual([['a'], ['b']]);
    await finish(); // b's first: b's late one starts
    await finish(); // a's late one
    expect(received.length).toBe(2);
    await finish();
    expect(pending.length).toBe(0);
    expect(stats).toMatchObject({ videoFramesOut: 4, videoFramesLate: 2, videoFramesSkipped: 0 });
  });

  it('skips a tick when one composite of that view is already waiting (at most one waits)', async () => {
    const { views, members, pending, finish, stats } = setup();
    views.compositeAll(members, undefined);
    views.compositeAll(members, undefined);
    views.compositeAll(members, undefined);
    expect(stats).toMatchObject({ videoFramesLate: 2, videoFramesSkipped: 2 });
    await finish();
    await finish();
    await finish();
    await finish();
    expect(pending.length).toBe(0);
    expect(stats.videoFramesOut).toBe(4);
  });

  it('drops the waiting composite of a view nobody sees any more', async () => {
    const { views, members, pending, finish, stats } = setup();
    views.compositeAll(members, undefined);
    views.compositeAll(members, undefined); // late ones wait for both views
    members[0]!.name = 'Renamed'; // b's view (tile "a") now has another key: its waiting composite goes
    views.compositeAll(members, undefined);
    expect(pending.length).toBe(3); // b's new view started at once
    await finish(); // a's view: its late composite starts
    await finish(); // b's old view: nothing waits
    await finish();
    await finish();
    expect(pending.length).toBe(0);
    expect(stats.videoFramesOut).toBe(4);
  });
});
