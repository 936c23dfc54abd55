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
    const tiles = await ann.page.evaluate(() => [...document.querySelectorAll<HTMLVideoElement>('figure.tile video')].map((v) => v.clientHeight));
    expect(Math.min(...tiles), 'tile heights (CSS px)').toBeGreaterThan(200);
    const widths = await waitUntil(async () => {
      const s = await remoteStats(ann.page);
      return s.length === 2 && s.every((x) => x.frameWidth >= 640) ? s.map((x) => x.frameWidth) : undefined;
    }, 12_000, 'Ann to receive both others at ≥ 640 px', 250);
    console.log(`Ann receives ${widths.join(' and ')} px wide ${((Date.now() - joined) / 1000).toFixed(1)} s after joining`);
  });
});
