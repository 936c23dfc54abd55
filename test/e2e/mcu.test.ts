import { describe, expect, it } from 'vitest';
import { gridLayout, type Rect } from '@parley/mixer';
import { waitUntil, type Participant } from '../support/browser.ts';
import { compositeStats, readLevel, resetLevel, sampleComposite, startLevelMeter } from '../support/composite.ts';
import { useCallHarness } from '../support/harness.ts';

const WIDTH = 640;
const HEIGHT = 360;

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1] ?? NaN);
}

/** The middle of a tile: inside the letterboxed picture, clear of the name label at the bottom left. */
function inner(tile: Rect): Rect {
  return { x: Math.round(tile.x + tile.width * 0.25), y: Math.round(tile.y + tile.height * 0.05), width: Math.round(tile.width * 0.5), height: Math.round(tile.height * 0.7) };
}

/** What a participant's browser sends to the MCU: the encoded size, and the size of the track it encodes. */
const sentVideo = (p: Participant) =>
  p.page.evaluate(async () => {
    const pc = window.parley!.room.compositeStatsSource()?.pc;
    const settings = pc?.getSenders().find((x) => x.track?.kind === 'video')?.track?.getSettings();
    let out: { frameWidth: number; frameHeight: number } | undefined;
    (await pc?.getStats())?.forEach((s: { type: string; kind?: string; frameWidth?: number; frameHeight?: number }) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video' && s.frameWidth) out = { frameWidth: s.frameWidth, frameHeight: s.frameHeight ?? 0 };
    });
    return out && settings ? { ...out, trackWidth: settings.width ?? 0, trackHeight: settings.height ?? 0 } : undefined;
  });

const setMic = (p: Participant, on: boolean) => p.page.evaluate((on) => window.parley!.media.setEnabled('audio', on), on);

describe('MCU rooms in Chromium', () => {
  // The grid layout always, so that tile positions are known; 15 fps cameras keep four pages and the mixer on two cores.
  const h = useCallHarness({ server: { mcu: { layout: 'grid', width: WIDTH, height: HEIGHT, fps: 15 } }, chromeArgs: ['--use-fake-device-for-media-stream=fps=15', '--auto-select-desktop-capture-source=Entire screen'] });

  it('four participants each receive one composite of the three others and one mix without their own voice', async () => {
    await h.server.createRoom({ id: 'mcu-four', topology: 'mcu' });
    for (const name of ['Ann', 'Ben', 'Cat', 'Dan']) await h.join('mcu-four', name);
    const [ann, ben] = h.open as [Participant, Participant, Participant, Participant];

    // One video and one audio track each, the video decoded at the composite's size, both flowing.
    const first = new Map<string, Awaited<ReturnType<typeof compositeStats>>>();
    for (const p of h.open) {
      first.set(p.name, await waitUntil(async () => {
        const s = await compositeStats(p.page);
        return s && s.framesDecoded > 10 && s.frameWidth === WIDTH && s.audioBytesReceived > 0 ? s : undefined;
      }, 45_000, `${p.name} to decode the composite at ${WIDTH}x${HEIGHT}`));
    }
    await new Promise((r) => setTimeout(r, 2000));
    for (const p of h.open) {
      const before = first.get(p.name)!;
      const s = (await compositeStats(p.page))!;
      console.log(`${p.name}: ${s.framesDecoded} composite frames decoded at ${s.frameWidth}x${s.frameHeight} (${s.framesDecoded - before.framesDecoded} in 2 s), audio ${s.audioBytesReceived} bytes`);
      expect(s).toMatchObject({ videoInbound: 1, audioInbound: 1, videoTracks: 1, audioTracks: 1, frameWidth: WIDTH, frameHeight: HEIGHT });
      expect(s.framesDecoded).toBeGreaterThan(before.framesDecoded + 10);
      expect(s.audioBytesReceived).toBeGreaterThan(before.audioBytesReceived);
      expect(await p.page.locator('figure.tile').count()).toBe(2); // themselves and "Everyone"
    }

    // Each camera (captured at 1280×720) goes up scaled to the composite's size: the server said so in its answer.
    for (const p of h.open) {
      const sent = await waitUntil(() => sentVideo(p), 10_000, `${p.name}'s video at the MCU`);
      console.log(`${p.name} sends ${sent.frameWidth}x${sent.frameHeight} of a ${sent.trackWidth}x${sent.trackHeight} camera`);
      expect(sent.trackWidth).toBeGreaterThan(WIDTH);
      expect(sent.frameWidth).toBeLessThanOrEqual(WIDTH);
      expect(sent.frameHeight).toBeLessThanOrEqual(HEIGHT);
    }

    // The composite shows the three others: each tile carries a picture (not the plain tile background) that moves.
    const tiles = gridLayout(3, WIDTH, HEIGHT).map(inner);
    const blank = (await sampleComposite(ann.page, [{ x: 0, y: 0, width: 4, height: 4 }]))[0]!;
    for (const p of [ann, ben]) {
      const a = await sampleComposite(p.page, tiles);
      const later: Awaited<ReturnType<typeof sampleComposite>>[] = [];
      for (let k = 0; k < 3; k++) {
        await new Promise((r) => setTimeout(r, 700));
        later.push(await sampleComposite(p.page, tiles));
      }
      a.forEach((s, i) => {
        const changed = (b: typeof s) => s.luma.reduce((n, v, j) => n + (Math.abs(v - b.luma[j]!) > 12 ? 1 : 0), 0) / s.luma.length;
        const moved = Math.max(...later.map((b) => changed(b[i]!)));
        console.log(`${p.name}, tile ${i}: mean luma ${s.mean.toFixed(1)}, spread ${s.spread.toFixed(1)} (background ${blank.mean.toFixed(1)}), up to ${(moved * 100).toFixed(1)} % of samples changed within 2.1 s`);
        // A tile without a picture is one flat colour (spread 0), as is the background around the tiles.
        expect(s.spread, `${p.name}: tile ${i} shows a picture`).toBeGreaterThan(8);
        expect(Math.abs(s.mean - blank.mean), `${p.name}: tile ${i} is not background`).toBeGreaterThan(20);
        expect(moved, `${p.name}: tile ${i} changes over time`).toBeGreaterThan(0.005);
      });
    }

    // Mix-minus: with only Ann's microphone on, Ann hears (almost) nothing and Ben hears her; with only Ben's on, Ann hears him.
    for (const p of h.open) await startLevelMeter(p.page);
    const listen = async () => {
      // Mutes reach the mixer, and what was sent before them plays out (receivers' jitter buffers grow on busy cores).
      await new Promise((r) => setTimeout(r, 2500));
      for (const p of h.open) await resetLevel(p.page);
      await new Promise((r) => setTimeout(r, 3000));
      return { ann: await readLevel(ann.page), ben: await readLevel(ben.page) };
    };
    for (const p of h.open) await setMic(p, p === ann);
    const annOnly = await listen();
    for (const p of h.open) await setMic(p, p === ben);
    const benOnly = await listen();
    const show = (l: { peak: number; mean: number }) => `mean ${l.mean.toFixed(4)} / peak ${l.peak.toFixed(4)}`;
    console.log(`RMS of the received mix over 3 s — only Ann's mic on: Ann hears ${show(annOnly.ann)}, Ben hears ${show(annOnly.ben)}; only Ben's mic on: Ann hears ${show(benOnly.ann)}, Ben hears ${show(benOnly.ben)}`);
    expect(annOnly.ben.mean).toBeGreaterThan(0.005);
    expect(benOnly.ann.mean).toBeGreaterThan(0.005);
    expect(annOnly.ann.mean).toBeLessThan(benOnly.ann.mean / 10);
    expect(benOnly.ben.mean).toBeLessThan(annOnly.ben.mean / 10);

    // Chat goes through the server's relay.
    await ann.page.evaluate(() => window.parley!.room.chat.send('hello from the mixed room'));
    await waitUntil(() => ben.page.evaluate(() => window.parley!.room.chat.messages.some((m) => m.text === 'hello from the mixed room')), 5000, 'Ben to get Ann\'s chat message');

    expect(await metric(h.server.httpUrl, 'parley_mcu_rooms')).toBe(1);
    expect(await metric(h.server.httpUrl, 'parley_mcu_participants')).toBe(4);
    expect(await metric(h.server.httpUrl, 'parley_mcu_video_frames_total')).toBeGreaterThan(100);
    console.log('mixer:', JSON.stringify(h.server.mcu!.snapshot()));

    // Leaving releases the leaver in the mixer; the last one out closes it.
    await h.open.pop()!.page.getByRole('button', { name: 'Leave' }).click();
    await waitUntil(async () => (await metric(h.server.httpUrl, 'parley_mcu_participants')) === 3, 5000, 'the leaver to leave the mixer');
    for (const p of h.open) await p.page.getByRole('button', { name: 'Leave' }).click();
    await waitUntil(async () => (await metric(h.server.httpUrl, 'parley_mcu_rooms')) === 0, 5000, 'the mixer to close');
  });

  it('a screen share goes to the mix in place of the camera and is shown large to the others; the camera comes back after', async () => {
    await h.server.createRoom({ id: 'mcu-screen', topology: 'mcu' });
    const ann = await h.join('mcu-screen', 'Ann');
    const ben = await h.join('mcu-screen', 'Ben');
    // The track Ann's browser sends to the MCU, and what Ben decodes of the composite. (Both the camera and the
    // screen are scaled to the composite's size, so the encoded width does not tell them apart.)
    const sentTrack = () => ann.page.evaluate(() => window.parley!.room.compositeStatsSource()?.pc.getSenders().find((x) => x.track?.kind === 'video')?.track?.id);
    const cameraTrack = () => ann.page.evaluate(() => window.parley!.media.state.stream?.getVideoTracks()[0]?.id);
    const decodedAtBen = async () => (await compositeStats(ben.page))?.framesDecoded ?? 0;
    const presenter = () => h.server.mcu!.snapshot().find((r) => r.room === 'mcu-screen')?.presenter;
    const camera = await waitUntil(async () => ((await sentVideo(ann)) && (await sentTrack())) || undefined, 20_000, "Ann's camera at the MCU");
    expect(camera).toBe(await cameraTrack());
    await waitUntil(async () => (await decodedAtBen()) > 15, 20_000, 'the composite at Ben');
    expect(presenter()).toBeUndefined();

    await ann.page.getByRole('button', { name: 'Share screen' }).click();
    await waitUntil(async () => presenter() !== undefined || undefined, 10_000, 'the mixer to show Ann as presenter');
    const screen = await waitUntil(async () => {
      const t = await sentTrack();
      return t !== camera && t ? t : undefined;
    }, 10_000, 'the screen in place of the camera');
    const screenSent = await waitUntil(async () => {
      const v = await sentVideo(ann);
      return v && v.trackWidth !== 0 ? v : undefined;
    }, 10_000, 'the screen encoded');
    expect(screenSent.frameWidth).toBeLessThanOrEqual(WIDTH);
    const before = await decodedAtBen();
    await new Promise((r) => setTimeout(r, 2000));
    expect((await decodedAtBen()) - before, 'composite frames Ben decoded in 2 s while Ann presents').toBeGreaterThan(15);
    console.log(`Ann sends ${screenSent.frameWidth}x${screenSent.frameHeight} of her ${screenSent.trackWidth}x${screenSent.trackHeight} screen`);

    await ann.page.getByRole('button', { name: 'Stop sharing' }).click();
    await waitUntil(async () => presenter() === undefined || undefined, 10_000, 'the mixer to stop showing a presenter');
    // The camera goes up again.
    await waitUntil(async () => ((await sentTrack()) === (await cameraTrack()) && (await sentTrack()) !== screen) || undefined, 10_000, "Ann's camera back at the MCU");
  });

  it('"Show me in the mix" puts a participant\'s own tile in their composite, and only theirs', async () => {
    await h.server.createRoom({ id: 'mcu-self', topology: 'mcu' });
    const ann = await h.join('mcu-self', 'Ann');
    const ben = await h.join('mcu-self', 'Ben');
    // Between the two tiles of a grid of two is background; a grid of one has a picture there.
    const [left, right] = gridLayout(2, WIDTH, HEIGHT) as [Rect, Rect];
    const band = { x: left.x + left.width, y: Math.round(HEIGHT / 3), width: right.x - (left.x + left.width), height: Math.round(HEIGHT / 3) };
    expect(band.width).toBeGreaterThan(0);
    const blank = async (p: Participant) => {
      const [corner, b] = await sampleComposite(p.page, [{ x: 0, y: 0, width: 4, height: 4 }, band]);
      return b!.spread < 4 && Math.abs(b!.mean - corner!.mean) < 6;
    };
    for (const p of [ann, ben]) await waitUntil(async () => ((await compositeStats(p.page))?.framesDecoded ?? 0) > 15 && !(await blank(p)) || undefined, 30_000, `${p.name}: a composite of one picture`);

    await ann.page.getByRole('button', { name: 'Show me in the mix' }).click();
    await waitUntil(async () => (await blank(ann)) || undefined, 15_000, "Ann's composite to become a grid of two");
    expect(await blank(ben), "Ben's composite still shows only Ann").toBe(false);
    expect(await ann.page.getByRole('button', { name: 'Show me in the mix' }).getAttribute('aria-pressed')).toBe('true');

    await ann.page.getByRole('button', { name: 'Show me in the mix' }).click();
    await waitUntil(async () => !(await blank(ann)) || undefined, 15_000, "Ann's composite without her own tile again");
  });

  it('refuses an MCU offer in an SFU room (WRONG_TOPOLOGY)', async () => {
    await h.server.createRoom({ id: 'mcu-sfu', topology: 'sfu' });
    const p = await h.join('mcu-sfu', 'Eve');
    const code = await p.page.evaluate(() => window.parley!.room.signal.request({ type: 'mcuOffer', sdp: 'v=0\r\n' }).then(() => 'ok', (e: { code?: string }) => e.code));
    expect(code).toBe('WRONG_TOPOLOGY');
  });
});
