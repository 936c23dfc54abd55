import { describe, expect, it } from 'vitest';
import { RoomMixer, WorkerCompositor, planes, rgbToYuv, speakerLayout, type WrtcVideoFrame } from '@parley/mixer';
import { joinMixer, solidPicture, until, type McuClient } from './mcu-client.ts';
import { useCleanups, wrtc } from './wrtc-setup.ts';

/**
 * Screen sharing in an `mcu` room: whoever presents is shown large in everyone else's composite, whatever the
 * room's layout; the newest presenter wins, and the previous one comes back when they stop.
 */
const cleanups = useCleanups();
const W = 320;
const H = 180;
const COLOURS = { a: rgbToYuv(230, 40, 40), b: rgbToYuv(40, 60, 230), c: rgbToYuv(40, 200, 60) };

/** The chroma at the centre of the large tile of a speaker layout of three. */
function bigTileColour(frame: WrtcVideoFrame): { u: number; v: number } {
  const [big] = speakerLayout(3, W, H);
  const [, u, v] = planes(frame);
  const cx = (big!.x + big!.width / 2) >> 1;
  const cy = (big!.y + big!.height / 2) >> 1;
  return { u: u.data[cy * u.width + cx]!, v: v.data[cy * v.width + cx]! };
}

const near = (got: { u: number; v: number }, want: { u: number; v: number }) => Math.abs(got.u - want.u) <= 12 && Math.abs(got.v - want.v) <= 12;

describe('a presenter in the mix', () => {
  it("the newest presenter's picture fills the large tile of the others' composites, in a grid room too", async () => {
    const mixer = new RoomMixer({ wrtc, width: W, height: H, fps: 15, layout: 'grid', createCompositor: () => new WorkerCompositor() });
    cleanups.push(() => mixer.close());
    const clients: Record<string, McuClient> = {};
    for (const id of ['a', 'b', 'c'] as const) {
      clients[id] = await joinMixer(wrtc, mixer, id, { video: solidPicture(320, 240, COLOURS[id]), receive: id === 'c' || id === 'a' });
      cleanups.push(() => clients[id]!.close());
    }
    const atC = () => clients.c!.received.last;
    await until(() => (clients.c!.received.frames > 10 && mixer.stats.videoInputs === 3), 20_000, 'composites at c');
    // A grid of a and b: the large tile's centre is no one's picture.
    expect(near(bigTileColour(atC()!), COLOURS.a)).toBe(false);

    mixer.setPresenting('a', true);
    expect(mixer.stats.presenter).toBe('a');
    await until(() => near(bigTileColour(atC()!), COLOURS.a), 5000, "a's picture large at c");
    mixer.setPresenting('b', true);
    await until(() => near(bigTileColour(atC()!), COLOURS.b), 5000, "b's picture large at c (the newest presenter)");
    // a, presenting too, sees the others in a grid: not b large.
    mixer.setPresenting('b', false);
    expect(mixer.stats.presenter).toBe('a');
    await until(() => near(bigTileColour(atC()!), COLOURS.a), 5000, "a large again at c once b stops");
    mixer.removeParticipant('a');
    expect(mixer.stats.presenter).toBeUndefined();
  });
});
