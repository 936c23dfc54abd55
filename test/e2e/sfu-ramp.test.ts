import { describe, expect, it } from 'vitest';
import { remoteStats, waitUntil } from '../support/browser.ts';
import { useCallHarness } from '../support/harness.ts';

/**
 * How soon a new subscriber gets the simulcast layer its tiles need: the SFU's estimate of its downlink starts at
 * 500 kbit/s and must grow before the 360p layers fit (the estimator's slow start, rate-control.ts).
 */
describe('SFU layer ramp-up in Chromium', () => {
  const h = useCallHarness({ chromeArgs: ['--use-fake-device-for-media-stream=fps=15'] });

  it('a subscriber whose tiles are 360p-sized receives the 360p layers within 12 s of joining', async () => {
    await h.server.createRoom({ id: 'ramp', topology: 'sfu' });
    await h.join('ramp', 'Ben');
    await h.join('ramp', 'Cat');
    const ann = await h.join('ramp', 'Ann');
    await ann.page.setViewportSize({ width: 1600, height: 1000 });
    const joined = Date.now();
    // The SFU's estimates of Ann's downlink, for a failure's message.
    await ann.page.evaluate(() => {
      const w = window as unknown as { estimates: string[] };
      const start = Date.now();
      w.estimates = [];
      window.parley!.room.signal.on('notification', (n) => {
        if (n.type === 'sfuBandwidth') w.estimates.push(`${((Date.now() - start) / 1000).toFixed(1)} s: ${Math.round(n.estimateBps / 1000)} kbit/s`);
      });
    });
    const tiles = await ann.page.evaluate(() => [...document.querySelectorAll<HTMLVideoElement>('figure.tile video')].map((v) => v.clientHeight));
    expect(Math.min(...tiles), 'tile heights (CSS px)').toBeGreaterThan(200);
    const widths = await waitUntil(async () => {
      const s = await remoteStats(ann.page);
      return s.length === 2 && s.every((x) => x.frameWidth >= 640) ? s.map((x) => x.frameWidth) : undefined;
    }, 12_000, 'Ann to receive both others at ≥ 640 px', 250).catch(async (err: Error) => {
      const seen = await ann.page.evaluate(() => ({ lowBandwidthMode: window.parley!.room.lowBandwidthMode, estimates: (window as unknown as { estimates: string[] }).estimates }));
      throw new Error(`${err.message}; Ann: ${JSON.stringify(seen)}, widths ${JSON.stringify((await remoteStats(ann.page)).map((x) => x.frameWidth))}`);
    });
    console.log(`Ann receives ${widths.join(' and ')} px wide ${((Date.now() - joined) / 1000).toFixed(1)} s after joining`);
  });
});
