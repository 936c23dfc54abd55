import type { Page } from 'playwright-core';
import type { Rect } from '@parley/mixer';

/** What a page receives over its MCU connection (`room.compositeStatsSource()`), from getStats. */
export interface CompositeStats {
  videoInbound: number;
  audioInbound: number;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  audioBytesReceived: number;
  /** Tracks in `room.composite`, by kind. */
  videoTracks: number;
  audioTracks: number;
}

export function compositeStats(page: Page): Promise<CompositeStats | undefined> {
  return page.evaluate(async () => {
    const room = window.parley?.room;
    const source = room?.compositeStatsSource();
    if (!room || !source) return undefined;
    const out = { videoInbound: 0, audioInbound: 0, framesDecoded: 0, frameWidth: 0, frameHeight: 0, audioBytesReceived: 0, videoTracks: room.composite?.getVideoTracks().length ?? 0, audioTracks: room.composite?.getAudioTracks().length ?? 0 };
    (await source.pc.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') {
        out.videoInbound++;
        out.framesDecoded += (s.framesDecoded as number) ?? 0;
        out.frameWidth = (s.frameWidth as number) ?? 0;
        out.frameHeight = (s.frameHeight as number) ?? 0;
      } else {
        out.audioInbound++;
        out.audioBytesReceived += (s.bytesReceived as number) ?? 0;
      }
    });
    return out;
  });
}

/** Per rectangle of the composite tile's current frame: mean luma, luma spread, and the luma samples (every 4th pixel). */
export function sampleComposite(page: Page, rects: Rect[]): Promise<Array<{ mean: number; spread: number; luma: number[] }>> {
  return page.evaluate((rects) => {
    const video = document.querySelector<HTMLVideoElement>('figure[data-composite="true"] video');
    if (!video || video.videoWidth === 0) throw new Error('no composite video playing');
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(video, 0, 0);
    return rects.map((r) => {
      const { data } = ctx.getImageData(r.x, r.y, r.width, r.height);
      const luma: number[] = [];
      for (let i = 0; i < data.length; i += 16) luma.push(Math.round(0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!));
      const mean = luma.reduce((a, b) => a + b, 0) / luma.length;
      const spread = Math.sqrt(luma.reduce((a, b) => a + (b - mean) ** 2, 0) / luma.length);
      return { mean, spread, luma };
    });
  }, rects);
}

declare global {
  interface Window {
    __level?: { read(): { peak: number; mean: number }; reset(): void };
  }
}

/**
 * Starts measuring the loudness of the received mix (WebAudio analyser on the composite's audio track): the RMS
 * of each 20 ms read, as the peak and the mean since reset.
 */
export function startLevelMeter(page: Page): Promise<void> {
  return page.evaluate(async () => {
    const track = window.parley?.room.composite?.getAudioTracks()[0];
    if (!track) throw new Error('no mixed audio track');
    const ctx = new AudioContext();
    await ctx.resume();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 2048;
    ctx.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    let peak = 0;
    let total = 0;
    let reads = 0;
    setInterval(() => {
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      const rms = Math.sqrt(sum / buf.length);
      peak = Math.max(peak, rms);
      total += rms;
      reads++;
    }, 20);
    window.__level = {
      read: () => ({ peak, mean: reads > 0 ? total / reads : 0 }),
      reset: () => void (peak = total = reads = 0),
    };
  });
}

export const resetLevel = (page: Page) => page.evaluate(() => window.__level?.reset());
export const readLevel = (page: Page) => page.evaluate(() => window.__level?.read() ?? { peak: 0, mean: 0 });
