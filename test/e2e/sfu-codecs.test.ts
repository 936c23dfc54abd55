import { describe, expect, it } from 'vitest';
import { expectMediaFlowing, waitUntil, type Participant } from '../support/browser.ts';
import { useCallHarness } from '../support/harness.ts';

interface ReceivedVideo {
  mimeType: string | undefined;
  framesDecoded: number;
}

/** What `p` receives of `from`'s video, read from its SFU connection's inbound-rtp stats (codecId → codec mimeType). */
function receivedVideo(p: Participant, from: Participant): Promise<ReceivedVideo | undefined> {
  return p.page.evaluate(async (fromId) => {
    const source = window.parley!.room.statsSource(fromId);
    if (!source) return undefined;
    const all: Array<Record<string, unknown> & { type: string }> = [];
    (await source.pc.getStats()).forEach((s: Record<string, unknown> & { type: string }) => all.push(s));
    const inbound = source.select(all).find((s) => s.type === 'inbound-rtp' && s.kind === 'video');
    if (!inbound) return undefined;
    const codec = all.find((s) => s.id === inbound.codecId);
    return { mimeType: codec?.mimeType as string | undefined, framesDecoded: (inbound.framesDecoded as number) ?? 0 };
  }, from.id);
}

/** The SFU's view of one participant's subscription to another's camera: the layer it forwards and how often it switched. */
function videoConsumer(h: ReturnType<typeof useCallHarness>, subscriber: Participant, publisher: Participant) {
  const snapshot = h.server.sfu!.snapshot();
  const producer = (snapshot.find((t) => t.participant === publisher.id)?.producers as Array<{ id: string; kind: string; layers: Array<{ rid?: string; packets: number }> }>)
    .find((x) => x.kind === 'video');
  const consumer = (snapshot.find((t) => t.participant === subscriber.id)?.consumers as Array<{ producer: string; currentLayer?: number; stats: { layerSwitches: number } }>)
    .find((c) => c.producer === producer?.id);
  return { producer, consumer };
}

/**
 * `subscriber` decodes `publisher`'s video in `mimeType`, with frames rising over 2 s, after the SFU moved it from
 * the lowest simulcast layer to a higher one (a switch that only a continuous stream survives).
 */
async function expectDecodedAfterLayerSwitch(h: ReturnType<typeof useCallHarness>, subscriber: Participant, publisher: Participant, mimeType: string): Promise<void> {
  const what = `${subscriber.name} to receive ${publisher.name}'s video above the lowest layer`;
  await waitUntil(async () => (videoConsumer(h, subscriber, publisher).consumer?.currentLayer ?? 0) > 0, 20_000, what, 250);
  const before = await receivedVideo(subscriber, publisher);
  await new Promise((r) => setTimeout(r, 2000));
  const after = await receivedVideo(subscriber, publisher);
  expect(after?.mimeType, `the codec ${subscriber.name} decodes ${publisher.name}'s video with`).toBe(mimeType);
  expect(after!.framesDecoded, `${subscriber.name}: frames of ${publisher.name} after the switch`).toBeGreaterThan((before?.framesDecoded ?? 0) + 10);
  expect(videoConsumer(h, subscriber, publisher).consumer?.stats.layerSwitches).toBeGreaterThanOrEqual(1);
}

describe('SFU video codecs in Chromium', () => {
  // 15 fps cameras: three pages encoding three layers each fit on two cores.
  const h = useCallHarness({ chromeArgs: ['--use-fake-device-for-media-stream=fps=15'] });

  it('a publisher preferring VP9 is decoded as VP9 by the others (simulcast layers switched), who publish VP8', async () => {
    await h.server.createRoom({ id: 'sfu-vp9', topology: 'sfu' });
    const vic = await h.join('sfu-vp9', 'Vic', { videoCodec: 'vp9' });
    const ann = await h.join('sfu-vp9', 'Ann');
    await expectMediaFlowing(h.open, 1000, 30_000);
    // Two people: large tiles, so Ann's subscription moves up from the lowest layer once it has warmed up.
    await expectDecodedAfterLayerSwitch(h, ann, vic, 'video/VP9');
    // Real simulcast: the publisher sends its encodings as separate VP9 streams, not one SVC stream on the first rid.
    const { producer } = videoConsumer(h, ann, vic);
    expect(producer?.layers.map((l) => l.rid)).toEqual(['q', 'h', 'f']);
    expect(producer?.layers.filter((l) => l.packets > 0).length).toBeGreaterThanOrEqual(2);
    const ben = await h.join('sfu-vp9', 'Ben');
    await expectMediaFlowing(h.open, 2000, 30_000);
    for (const p of [ann, ben]) expect((await receivedVideo(p, vic))?.mimeType).toBe('video/VP9');
    expect((await receivedVideo(vic, ann))?.mimeType).toBe('video/VP8');
  });

  it('a publisher preferring H.264 is decoded as H.264 (packetization-mode 1, constrained baseline) by the others', async () => {
    await h.server.createRoom({ id: 'sfu-h264', topology: 'sfu' });
    const hal = await h.join('sfu-h264', 'Hal', { videoCodec: 'h264' });
    const canSend = await hal.page.evaluate(() =>
      RTCRtpSender.getCapabilities('video')?.codecs.some((c) => c.mimeType === 'video/H264' && /packetization-mode=1/.test(c.sdpFmtpLine ?? '')) ?? false);
    // Debian's Chromium encodes H.264 (OpenH264); a build without it would publish VP8 instead.
    expect(canSend, 'this Chromium can send H.264').toBe(true);
    const ivy = await h.join('sfu-h264', 'Ivy', { videoCodec: 'vp9' });
    await expectMediaFlowing(h.open, 1000, 30_000);
    await expectDecodedAfterLayerSwitch(h, ivy, hal, 'video/H264');
    expect((await receivedVideo(hal, ivy))?.mimeType).toBe('video/VP9');
  });
});
