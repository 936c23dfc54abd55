import type { Page } from 'playwright-core';

export interface TileFrames {
  /** Frames presented since the monitor (re)started. */
  frames: number;
  /** The longest time between two presented frames of this remote tile, including the time since the last one. */
  maxGapMs: number;
}

declare global {
  interface Window {
    __frames?: { reset(): void; read(): Record<string, TileFrames>; long(): Array<{ key: string; at: number; gap: number; track: string }>; stop(): void };
  }
}

/**
 * Watches every remote camera tile of the page as a viewer would: each frame the browser presents
 * (requestVideoFrameCallback) is timed, per participant, across <video> elements being replaced or their
 * tracks swapped underneath. A frame of the MCU's composite tile counts for every remote participant (it shows
 * them all). `read` gives frames and the longest gap per participant since `reset`.
 */
export async function startFrameMonitor(page: Page): Promise<void> {
  await page.evaluate(() => {
    window.__frames?.stop();
    const seen = new WeakSet<HTMLVideoElement>();
    const tiles = new Map<string, { frames: number; last: number; maxGap: number }>();
    /** Gaps over 250 ms: when they ended, how long, which tile (for failure messages). */
    const long: Array<{ key: string; at: number; gap: number; track: string }> = [];
    let stopped = false;
    const watch = (video: HTMLVideoElement, keys: () => string[]) => {
      const onFrame = () => {
        if (stopped || !video.isConnected) return;
        const now = performance.now();
        for (const key of keys()) {
          const t = tiles.get(key) ?? { frames: 0, last: now, maxGap: 0 };
          t.maxGap = Math.max(t.maxGap, now - t.last);
          if (now - t.last > 250 && long.length < 100) long.push({ key, at: Math.round(now), gap: Math.round(now - t.last), track: ((video.srcObject as MediaStream | null)?.getVideoTracks()[0]?.id ?? '').slice(0, 8) });
          t.last = now;
          t.frames++;
          tiles.set(key, t);
        }
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    };
    const scan = setInterval(() => {
      const self = window.parley?.room.local?.id;
      for (const fig of document.querySelectorAll<HTMLElement>('figure.tile[data-kind="camera"]')) {
        const key = fig.dataset.participant;
        const video = fig.querySelector('video');
        const composite = fig.dataset.composite === 'true';
        if ((!key && !composite) || key === self || !video || seen.has(video)) continue;
        seen.add(video);
        watch(video, composite ? () => [...(window.parley?.room.participants.keys() ?? [])] : () => [key as string]);
      }
    }, 50);
    window.__frames = {
      reset() {
        const now = performance.now();
        for (const t of tiles.values()) {
          t.frames = 0;
          t.maxGap = 0;
          t.last = now;
        }
      },
      long() {
        return long.slice();
      },
      read() {
        const now = performance.now();
        return Object.fromEntries([...tiles].map(([k, t]) => [k, { frames: t.frames, maxGapMs: Math.round(Math.max(t.maxGap, now - t.last)) }]));
      },
      stop() {
        stopped = true;
        clearInterval(scan);
      },
    };
  });
}

export function resetFrameMonitor(page: Page): Promise<void> {
  return page.evaluate(() => window.__frames?.reset());
}

export function readFrameMonitor(page: Page): Promise<Record<string, TileFrames>> {
  return page.evaluate(() => window.__frames?.read() ?? {});
}

/** Gaps over 250 ms seen so far (tile, when, how long), to explain a failure. */
export function longFrameGaps(page: Page): Promise<Array<{ key: string; at: number; gap: number; track: string }>> {
  return page.evaluate(() => window.__frames?.long() ?? []);
}
