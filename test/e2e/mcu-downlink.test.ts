import { describe, expect, it } from 'vitest';
import { gridLayout, type Rect } from '@parley/mixer';
import { remoteStats, waitUntil, type Participant } from '../support/browser.ts';
import { compositeStats, sampleComposite } from '../support/composite.ts';
import { longFrameGaps, readFrameMonitor, resetFrameMonitor, startFrameMonitor } from '../support/frames.ts';
import { useCallHarness } from '../support/harness.ts';

const WIDTH = 640;
const HEIGHT = 360;

/** What one page receives over the SFU: video frames decoded per remote participant, by name. */
async function sfuFrames(p: Participant): Promise<Record<string, number>> {
  return Object.fromEntries((await remoteStats(p.page)).map((s) => [s.name, s.framesDecoded]));
}

/** How many of the page's remote participants arrive over its SFU connection now. */
const sfuSubscribed = (p: Participant) => p.page.evaluate(() => [...window.parley!.room.participants.values()].filter((r) => r.tracksVia('sfu').length > 0).length);

const lowBandwidthButton = (p: Participant) => p.page.getByRole('button', { name: 'Low bandwidth mode' });

describe('the MCU downlink in an SFU room, in Chromium', () => {
  // 15 fps cameras and the grid layout: three pages, their SFU streams and the mixer share two cores.
  const h = useCallHarness({ server: { mcu: { layout: 'grid', width: WIDTH, height: HEIGHT, fps: 15 } }, chromeArgs: ['--use-fake-device-for-media-stream=fps=15', '--auto-select-desktop-capture-source=Entire screen'] });

  /** Every remote tile (or the composite standing for it) kept presenting frames, gaps ≤ 500 ms, since the reset. */
  async function expectNoLongGaps(what: string): Promise<Record<string, number>> {
    const worst: Record<string, number> = {};
    for (const p of h.open) {
      const tiles = await readFrameMonitor(p.page);
      const gaps = JSON.stringify(await longFrameGaps(p.page));
      console.log(`${what}, at ${p.name}: ${Object.entries(tiles).map(([id, t]) => `${h.open.find((o) => o.id === id)?.name ?? id} ${t.frames} frames, longest gap ${t.maxGapMs} ms`).join('; ')}`);
      for (const o of h.open.filter((x) => x !== p)) {
        const t = tiles[o.id];
        expect(t, `${p.name} shows ${o.name} (${what})`).toBeDefined();
        expect(t!.frames, `${p.name}: frames showing ${o.name} during ${what}`).toBeGreaterThan(10);
        expect(t!.maxGapMs, `${p.name}: longest gap showing ${o.name} during ${what} (gaps over 250 ms: ${gaps})`).toBeLessThanOrEqual(500);
        worst[p.name] = Math.max(worst[p.name] ?? 0, t!.maxGapMs);
      }
    }
    return worst;
  }

  it('a participant switches to the MCU downlink and back, make before break, while the others keep their SFU streams', async () => {
    await h.server.createRoom({ id: 'lowbw', topology: 'sfu' });
    for (const name of ['Ann', 'Ben', 'Cat']) await h.join('lowbw', name);
    const [ann, ben, cat] = h.open as [Participant, Participant, Participant];
    for (const p of h.open) {
      await waitUntil(async () => Object.values(await sfuFrames(p)).filter((n) => n > 10).length === 2, 30_000, `${p.name} to decode the two others`);
      await startFrameMonitor(p.page);
    }
    await new Promise((r) => setTimeout(r, 1500));
    for (const p of h.open) await resetFrameMonitor(p.page);
    const before = { ann: await sfuFrames(ann), ben: await sfuFrames(ben), cat: await sfuFrames(cat) };

    // To the MCU: the composite shows once it decodes, then the SFU stops sending Ann everyone's streams.
    await lowBandwidthButton(ann).click();
    await waitUntil(() => ann.page.evaluate(() => !!window.parley!.room.composite && (document.querySelector<HTMLVideoElement>('figure[data-composite="true"] video')?.videoWidth ?? 0) > 0), 20_000, 'Ann to show the composite');
    await waitUntil(async () => (await sfuSubscribed(ann)) === 0, 10_000, 'Ann\'s SFU subscriptions to end');
    const annTransport = () => h.server.sfu!.snapshot().find((t) => t.participant === ann.id) as { consumers: unknown[]; producers: unknown[] } | undefined;
    await waitUntil(async () => annTransport()?.consumers.length === 0, 5000, 'the SFU to stop sending to Ann');
    expect(annTransport()!.producers).toHaveLength(2); // she still publishes camera and microphone
    expect(await ann.page.locator('figure.tile').count()).toBe(2); // herself and "Everyone"
    const composite1 = (await compositeStats(ann.page))!;
    await new Promise((r) => setTimeout(r, 2000));
    const composite2 = (await compositeStats(ann.page))!;
    console.log(`Ann's composite: ${composite2.framesDecoded} frames decoded at ${composite2.frameWidth}x${composite2.frameHeight} (${composite2.framesDecoded - composite1.framesDecoded} in 2 s), audio ${composite2.audioBytesReceived} bytes`);
    expect(composite2).toMatchObject({ videoInbound: 1, audioInbound: 1, frameWidth: WIDTH, frameHeight: HEIGHT });
    expect(composite2.framesDecoded).toBeGreaterThan(composite1.framesDecoded + 10);
    expect(composite2.audioBytesReceived).toBeGreaterThan(composite1.audioBytesReceived);

    // The composite holds Ben and Cat, not Ann: two tiles side by side, and the gap between them is background
    // (with three tiles the third one would sit there).
    const inner = (t: Rect): Rect => ({ x: Math.round(t.x + t.width * 0.25), y: Math.round(t.y + t.height * 0.3), width: Math.round(t.width * 0.5), height: Math.round(t.height * 0.4) });
    const [blank, gap, ...pictures] = await sampleComposite(ann.page, [{ x: 0, y: 0, width: 4, height: 4 }, { x: 319, y: 200, width: 2, height: 140 }, ...gridLayout(2, WIDTH, HEIGHT).map(inner)]);
    console.log(`composite at Ann: background ${blank!.mean.toFixed(1)}, gap between the tiles ${gap!.mean.toFixed(1)} ± ${gap!.spread.toFixed(1)}, tiles ${pictures.map((s) => `${s.mean.toFixed(1)} ± ${s.spread.toFixed(1)}`).join(', ')}`);
    for (const s of pictures) expect(s.spread, 'a tile of the composite shows a picture').toBeGreaterThan(8);
    expect(Math.abs(gap!.mean - blank!.mean), 'nothing between the two tiles: no third tile').toBeLessThan(10);
    for (const s of pictures) expect(Math.abs(s.mean - blank!.mean), 'a tile is not background').toBeGreaterThan(20);
    const mixer = h.server.mcu!.snapshot().find((m) => m.room === 'lowbw');
    console.log('mixer:', JSON.stringify(mixer));
    expect(mixer).toMatchObject({ participants: 3, videoInputs: 3, audioInputs: 3 });
    const toMcu = await expectNoLongGaps('the switch to the MCU downlink');

    // The others kept their SFU streams from everyone, Ann included.
    const during = { ben: await sfuFrames(ben), cat: await sfuFrames(cat) };
    for (const [who, name] of [['ben', 'Ann'], ['ben', 'Cat'], ['cat', 'Ann'], ['cat', 'Ben']] as const) expect(during[who][name]!, `${who} decodes ${name}`).toBeGreaterThan(before[who][name]! + 20);

    // Back to the SFU: the tiles show once every stream decodes again, then the MCU downlink closes.
    for (const p of h.open) await resetFrameMonitor(p.page);
    await lowBandwidthButton(ann).click();
    // Within seconds: the SDK shows the tiles once the SFU streams decode (a stale 0×0 tile size at the SFU once held
    // their video back, and the switch waited out the SDK's 15 s deadline).
    await waitUntil(() => ann.page.evaluate(() => !window.parley!.room.composite && !window.parley!.room.lowBandwidthMode), 5000, 'Ann to show the SFU tiles again');
    await waitUntil(async () => (await sfuSubscribed(ann)) === 2, 5000, 'Ann to receive both others over the SFU');
    await waitUntil(async () => h.server.mcu!.snapshot().length === 0, 10_000, 'the MCU feed of the room to close');
    const back1 = await sfuFrames(ann);
    await new Promise((r) => setTimeout(r, 2500));
    const back2 = await sfuFrames(ann);
    for (const name of ['Ben', 'Cat']) expect(back2[name]!, `Ann decodes ${name} over the SFU again`).toBeGreaterThan(back1[name]! + 20);
    expect(await ann.page.locator('figure.tile').count()).toBe(3);
    const toSfu = await expectNoLongGaps('the switch back to the SFU');
    console.log(`longest gap at Ann: ${toMcu.Ann} ms to the MCU, ${toSfu.Ann} ms back; SFU frames Ann decoded of Ben: ${before.ann.Ben} before, ${back2.Ben} at the end; composite frames ${composite2.framesDecoded}`);
  });
  it('on the downlink, a screen shared to the SFU is in the composite, shown large, in place of its sharer\'s camera', async () => {
    await h.server.createRoom({ id: 'lowbw-screen', topology: 'sfu' });
    const ann = await h.join('lowbw-screen', 'Ann');
    const ben = await h.join('lowbw-screen', 'Ben');
    await lowBandwidthButton(ben).click();
    await waitUntil(async () => ((await compositeStats(ben.page))?.framesDecoded ?? 0) > 15, 30_000, 'Ben to decode the composite');
    const mixer = () => h.server.mcu!.snapshot().find((r) => r.room === 'lowbw-screen') as { presenter?: string; videoInputs?: number } | undefined;
    expect(mixer()?.presenter).toBeUndefined();
    await waitUntil(async () => (mixer()?.videoInputs === 2) || undefined, 10_000, 'both cameras in the mix');

    await ann.page.getByRole('button', { name: 'Share screen' }).click();
    await waitUntil(async () => (mixer()?.presenter === ann.id) || undefined, 15_000, 'the downlink mixer to show Ann\'s screen');
    // The screen replaced her camera as her one picture in the mix: two pictures, hers and Ben's camera.
    await waitUntil(async () => (mixer()?.videoInputs === 2) || undefined, 10_000, 'one picture each in the mix');
    const before = (await compositeStats(ben.page))!.framesDecoded;
    await new Promise((r) => setTimeout(r, 2000));
    expect((await compositeStats(ben.page))!.framesDecoded - before, 'composite frames Ben decoded in 2 s while Ann presents').toBeGreaterThan(15);

    await ann.page.getByRole('button', { name: 'Stop sharing' }).click();
    await waitUntil(async () => (mixer()?.presenter === undefined && mixer()?.videoInputs === 2) || undefined, 15_000, 'Ann\'s camera back in the mix');
  });
});
