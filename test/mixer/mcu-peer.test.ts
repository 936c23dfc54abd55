import { describe, expect, it } from 'vitest';
import {
  FRAME_SAMPLES,
  McuPeer,
  RoomMixer,
  SAMPLE_RATE_HZ,
  TickClock,
  WorkerCompositor,
  createI420,
  gridLayout,
  planes,
  rgbToYuv,
  sineFrames,
  tonePower,
  type WrtcPeerConnection,
} from '@parley/mixer';
import { keepReceived, until, useCleanups, wrtc, type Received } from './wrtc-setup.ts';

/**
 * The MCU end to end inside the namespace, without a browser: two libwebrtc "participants" each send a colour
 * and a tone to their McuPeer; each gets back a composite showing the other's colour and a mix with the other's
 * tone and not their own.
 */

const cleanups = useCleanups();

interface Client extends Received {
  pc: WrtcPeerConnection;
}

/** A participant: a video and an audio source of its own, offering sendrecv on both, keeping what it receives. */
function client(colour: ReturnType<typeof rgbToYuv>, toneHz: number, clock: TickClock[]): Client {
  const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
  cleanups.push(() => pc.close());
  const video = new wrtc.nonstandard.RTCVideoSource();
  const audio = new wrtc.nonstandard.RTCAudioSource();
  const [vt, at] = [video.createTrack(), audio.createTrack()];
  cleanups.push(() => (vt.stop(), at.stop()));
  pc.addTransceiver(at, { direction: 'sendrecv' });
  pc.addTransceiver(vt, { direction: 'sendrecv' });
  const out: Client = { pc, ...keepReceived(pc, cleanups) };
  const picture = createI420(320, 240, colour);
  const tone = sineFrames(toneHz, 8000);
  const c = new TickClock();
  c.start((tick) => {
    audio.onData({ samples: tone(tick), sampleRate: SAMPLE_RATE_HZ, bitsPerSample: 16, channelCount: 1, numberOfFrames: FRAME_SAMPLES });
    if (tick % 5 === 0) video.onFrame({ width: 320, height: 240, data: picture.data.slice() });
  });
  clock.push(c);
  cleanups.push(() => c.stop());
  return out;
}

describe('McuPeer and RoomMixer over loopback', () => {
  it('each participant sees the other in the composite and hears only the other', async () => {
    const mixer = new RoomMixer({ wrtc, width: 320, height: 180, fps: 15, layout: 'grid', createCompositor: () => new WorkerCompositor() });
    cleanups.push(() => mixer.close());
    const clocks: TickClock[] = [];
    const colours = { a: rgbToYuv(230, 40, 40), b: rgbToYuv(40, 60, 230) };
    const tones = { a: 700, b: 1300 };
    const clients = { a: client(colours.a, tones.a, clocks), b: client(colours.b, tones.b, clocks) };
    for (const id of ['a', 'b'] as const) {
      const peer = new McuPeer({ wrtc, outputs: mixer.addParticipant(id, id.toUpperCase()), onInput: (t) => mixer.setInput(id, t), onInputEnded: (k) => mixer.removeInput(id, k), videoBitrateBps: 300_000 });
      cleanups.push(() => peer.close());
      const pc = clients[id].pc;
      await pc.setLocalDescription(await pc.createOffer());
      await until(() => pc.iceGatheringState === 'complete', 5000, 'client gathering');
      const answer = await peer.answer(pc.localDescription!.sdp!);
      expect(answer).toMatch(/a=candidate:/);
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    }
    await until(() => clients.a.frames.length > 10 && clients.b.frames.length > 10 && clients.a.audio.length > 250 && clients.b.audio.length > 250, 20_000, 'composites and mixes');
    expect(mixer.stats).toMatchObject({ participants: 2, audioInputs: 2, videoInputs: 2 });

    const [tile] = gridLayout(1, 320, 180);
    for (const [me, other] of [['a', 'b'], ['b', 'a']] as const) {
      const frame = clients[me].frames.at(-1)!;
      expect([frame.width, frame.height]).toEqual([320, 180]);
      const [, u, v] = planes(frame);
      const cx = (tile!.x + tile!.width / 2) >> 1;
      const cy = (tile!.y + tile!.height / 2) >> 1;
      expect(Math.abs(u.data[cy * u.width + cx]! - colours[other].u)).toBeLessThanOrEqual(12);
      expect(Math.abs(v.data[cy * v.width + cx]! - colours[other].v)).toBeLessThanOrEqual(12);
      const recent = clients[me].audio.filter((f) => f.sampleRate === SAMPLE_RATE_HZ).slice(-100);
      const all = new Int16Array(recent.length * FRAME_SAMPLES);
      recent.forEach((f, i) => all.set(f.samples.subarray(0, FRAME_SAMPLES), i * FRAME_SAMPLES));
      const heardOther = tonePower(all, tones[other]);
      const heardSelf = tonePower(all, tones[me]);
      console.log(`${me}: composite ${frame.width}x${frame.height}, ${clients[me].frames.length} frames; tone power other ${heardOther.toExponential(2)}, own ${heardSelf.toExponential(2)}`);
      expect(heardOther).toBeGreaterThan(heardSelf * 100);
    }
    for (const c of clocks) c.stop();
  });
});
