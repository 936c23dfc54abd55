import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { RoomMixer, WorkerCompositor, loadWrtc, rgbToYuv } from '@parley/mixer';
import { memoryAfterGc } from '../media/memory.ts';
import { joinMixer, solidPicture, until, type McuClient } from './mcu-client.ts';

/**
 * Bad input and resources (issue #6 item 4), part two: everything a participant costs — their peer connection,
 * decoders and encoders, sinks and sources, tiles and composites — goes when they leave. Sixty participants
 * join a room through McuPeer, send and receive, and leave; handles, threads and memory come back.
 */

const wrtc = loadWrtc();
const cleanups: (() => void | Promise<void>)[] = [];
const MB = 1024 * 1024;

afterEach(async () => {
  // libwebrtc segfaults at exit if a peer connection is still open: close everything, always.
  for (const c of cleanups.splice(0).reverse()) await c();
});

const handles = (): string => JSON.stringify(process.getActiveResourcesInfo().sort());
const threads = (): number => Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
const rssMiB = (): number => process.memoryUsage().rss / MB;

/** The least of a few samples: composites and decoded frames in flight come and go by a few MB. */
async function settledMemory(): Promise<number> {
  let least = Infinity;
  for (let i = 0; i < 4; i++) {
    least = Math.min(least, memoryAfterGc());
    await new Promise((r) => setTimeout(r, 150));
  }
  return least;
}

describe('mixer resources', () => {
  it('60 participants join (sending and receiving) and leave: handles, threads and memory return to their baseline', { timeout: 240_000 }, async () => {
    const threadsBefore = threads();
    const mixer = new RoomMixer({ wrtc, width: 320, height: 180, fps: 15, layout: 'grid', createCompositor: () => new WorkerCompositor() });
    cleanups.push(() => mixer.close());
    // A host stays throughout, so the clock and the compositor thread keep running while guests come and go.
    const host = await joinMixer(wrtc, mixer, 'host', { video: solidPicture(320, 240, rgbToYuv(230, 40, 40)), toneHz: 700 });
    cleanups.push(() => host.close());

    const cycle = async (k: number): Promise<void> => {
      let guest: McuClient | undefined;
      try {
        guest = await joinMixer(wrtc, mixer, `guest${k}`, { video: solidPicture(320, 240, rgbToYuv(40, 60, 230)), toneHz: 1300 });
        const hostFrames = host.received.frames;
        // Both directions work: the guest decodes composites (with the host), the host's composites go on with the guest in them.
        await until(() => guest!.received.frames >= 3 && guest!.received.audioFrames >= 20 && host.received.frames >= hostFrames + 3, 15_000, `guest ${k} to receive`);
        expect(mixer.stats).toMatchObject({ participants: 2, audioInputs: 2, videoInputs: 2 });
      } finally {
        guest?.close();
      }
      expect(mixer.size).toBe(1);
    };

    // Warm-up: code, the engine's lazily made threads and pools.
    for (let k = 0; k < 3; k++) await cycle(k);
    await new Promise((r) => setTimeout(r, 1000));
    const base = { handles: handles(), threads: threads(), memory: await settledMemory(), rss: rssMiB() };
    const round = async (first: number) => {
      for (let k = first; k < first + 30; k++) await cycle(k);
      await until(() => handles() === base.handles && threads() <= base.threads, 5000, 'handles and threads to settle').catch(() => undefined);
      return { handles: handles(), threads: threads(), memory: await settledMemory(), rss: rssMiB() };
    };
    const first = await round(3);
    const second = await round(33);
    console.info(
      `join/leave cycles: heap+buffers +${((first.memory - base.memory) / MB).toFixed(2)} MB after 30, +${((second.memory - first.memory) / MB).toFixed(2)} MB for 30 more; ` +
        `RSS +${(first.rss - base.rss).toFixed(1)} MB, then +${(second.rss - first.rss).toFixed(1)} MB; ` +
        `threads ${base.threads} → ${first.threads} → ${second.threads} (${threadsBefore} before the mixer); handles ${base.handles}; mixer ${JSON.stringify(mixer.stats)}`,
    );
    for (const after of [first, second]) {
      expect(after.handles).toBe(base.handles);
      expect(after.threads).toBeLessThanOrEqual(base.threads);
    }
    // A leaked participant would hold at least a decoded frame and a composite (≈ 100 kB each at this size): 60 would add > 6 MB.
    expect(first.memory - base.memory).toBeLessThan(3 * MB);
    expect(second.memory - base.memory).toBeLessThan(3 * MB);
    // Native memory (libwebrtc's) is outside the heap: RSS grows over the first cycles (allocator pools), then levels off.
    expect(second.rss - first.rss).toBeLessThan(30);

    // The host leaves last: the clock stops; closing the mixer ends its compositor thread.
    host.close();
    expect(mixer.encoding).toBe(false);
    await mixer.close();
    await until(() => threads() < base.threads, 5000, 'the compositor thread to end');
  });
});
