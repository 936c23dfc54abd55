import { describe, expect, it } from 'vitest';
import { FRAME_SAMPLES } from './frame.ts';
import { JitterQueue } from './jitter-queue.ts';

const frame = (k: number): Int16Array => new Int16Array(FRAME_SAMPLES).fill(k);

/**
 * Drives a queue with an arrival pattern: `arrivals[t]` frames arrive before tick t. Returns the ticks
 * that underran and the frames played (their index; -1 for silence).
 */
function run(queue: JitterQueue, arrivals: number[]): { underruns: number[]; played: number[] } {
  let next = 0;
  const underruns: number[] = [];
  const played: number[] = [];
  arrivals.forEach((n, t) => {
    for (let i = 0; i < n; i++) queue.push(frame(next++));
    const f = queue.pop();
    if (queue.underran) underruns.push(t);
    played.push(f ? f[0]! : -1);
  });
  return { underruns, played };
}

describe('JitterQueue', () => {
  it('buffers startDepth frames before playing, and plays every frame in order', () => {
    const q = new JitterQueue({ startDepth: 2 });
    const { underruns, played } = run(q, Array(20).fill(1));
    expect(underruns).toEqual([]);
    expect(played).toEqual([-1, ...Array.from({ length: 19 }, (_, i) => i)]);
  });

  it('absorbs bursts (two frames in one turn, then none) without an underrun', () => {
    const q = new JitterQueue({ startDepth: 2 });
    const pattern = Array.from({ length: 400 }, (_, t) => (t % 2 === 0 ? 2 : 0));
    expect(run(q, pattern).underruns).toEqual([]);
  });

  it('after an underrun keeps the extra frame of delay, so the same lateness does not glitch again', () => {
    const q = new JitterQueue({ startDepth: 1, windowTicks: 10 });
    // Steady, then one frame 20 ms late (arrives with the next two), then steady again, then the same again.
    const late = [1, 1, 1, 1, 0, 0, 3, 1, 1, 1];
    const pattern = [...Array(20).fill(1), ...late, ...Array(60).fill(1), ...late, ...Array(20).fill(1)];
    const { underruns } = run(q, pattern);
    // The first late burst costs two underruns (the margin grows to 2); the second costs nothing.
    expect(underruns).toEqual([24, 25]);
    expect(q.stats.margin).toBe(2);
    expect(q.stats.trimmed).toBe(0);
  });

  it('gives back latency it no longer needs at the end of a quiet window', () => {
    const q = new JitterQueue({ startDepth: 1, windowTicks: 10, relaxAfterWindows: 3 });
    const pattern = [5, ...Array(99).fill(1)]; // four frames more than needed at the start
    run(q, pattern);
    expect(q.stats.trimmed).toBe(4);
    expect(q.stats.depth).toBe(0);
    expect(q.stats.underruns).toBe(0);
  });

  it('goes idle when its input stops (no glitch per tick), and buffers afresh when it resumes', () => {
    const q = new JitterQueue({ startDepth: 2, idleAfterTicks: 5 });
    const pattern = [...Array(10).fill(1), ...Array(50).fill(0), ...Array(10).fill(1)];
    const { underruns, played } = run(q, pattern);
    expect(underruns).toEqual([11, 12, 13, 14, 15]);
    expect(q.playing).toBe(true);
    expect(played.slice(60, 62)).toEqual([-1, 10]); // one tick to buffer two frames, then in order
  });

  it('drops the oldest frames beyond its capacity, and checks its options and frames', () => {
    const q = new JitterQueue({ capacity: 3, startDepth: 1 });
    for (let k = 0; k < 5; k++) q.push(frame(k));
    expect(q.stats).toMatchObject({ pushed: 5, dropped: 2, depth: 3 });
    expect(q.pop()![0]).toBe(2);
    expect(() => q.push(new Int16Array(FRAME_SAMPLES + 1))).toThrow(RangeError);
    expect(() => new JitterQueue({ startDepth: 0 })).toThrow(RangeError);
    expect(() => new JitterQueue({ startDepth: 4, capacity: 3 })).toThrow(RangeError);
  });
});
