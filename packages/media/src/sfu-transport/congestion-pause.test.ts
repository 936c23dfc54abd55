import { describe, expect, it } from 'vitest';
import { CongestionPause, FIRST_PAUSE_MS, PAUSE_AFTER_MS } from './congestion-pause.ts';

/** Feeds `update` every 250 ms (the layer choice's pace) from `from` to `to`. */
function run(c: CongestionPause, from: number, to: number, starved: boolean, loss: number): void {
  for (let t = from; t <= to; t += 250) c.update(t, starved, loss);
}

describe('CongestionPause', () => {
  it('a starved link losing a little is congested, but its video goes on', () => {
    const c = new CongestionPause();
    run(c, 0, 10_000, true, 0.1);
    expect(c.congested).toBe(true);
    expect(c.paused).toBe(false);
    c.update(10_250, false, 0.1);
    expect(c.congested).toBe(false);
  });

  it('a starved link losing 25 % for 2 s pauses; the pause ends when everything fits again', () => {
    const c = new CongestionPause();
    run(c, 0, PAUSE_AFTER_MS - 250, true, 0.4);
    expect(c.paused).toBe(false);
    c.update(PAUSE_AFTER_MS, true, 0.4);
    expect(c.paused).toBe(true);
    expect(c.congested).toBe(true);
    run(c, PAUSE_AFTER_MS + 250, PAUSE_AFTER_MS + 1000, true, 0); // the pause itself stops the loss: still congested
    expect(c.congested).toBe(true);
    c.update(PAUSE_AFTER_MS + 1250, false, 0);
    expect(c.paused).toBe(false);
  });

  it('a loss spike shorter than 2 s, or on a link that is not starved, does not pause', () => {
    const c = new CongestionPause();
    run(c, 0, 1500, true, 0.5);
    c.update(1750, true, 0.1);
    run(c, 2000, 3500, true, 0.5);
    expect(c.paused).toBe(false);
    run(c, 4000, 10_000, false, 0.5);
    expect(c.paused).toBe(false);
  });

  it('tries the video again after the pause, and pauses twice as long when the try fails at once', () => {
    const c = new CongestionPause();
    run(c, 0, PAUSE_AFTER_MS, true, 0.4);
    expect(c.paused).toBe(true);
    const resumeAt = PAUSE_AFTER_MS + FIRST_PAUSE_MS;
    c.update(resumeAt, true, 0.4);
    expect(c.paused).toBe(false);
    run(c, resumeAt + 250, resumeAt + 250 + PAUSE_AFTER_MS, true, 0.4);
    expect(c.paused).toBe(true);
    expect(c.pauseMs).toBe(2 * FIRST_PAUSE_MS);
  });

  it('a pause long after the last try starts short again', () => {
    const c = new CongestionPause();
    run(c, 0, PAUSE_AFTER_MS, true, 0.4);
    c.update(PAUSE_AFTER_MS + 250, false, 0); // fits again
    run(c, 60_000, 60_000 + PAUSE_AFTER_MS, true, 0.4);
    expect(c.paused).toBe(true);
    expect(c.pauseMs).toBe(FIRST_PAUSE_MS);
  });
});
