import { describe, expect, it } from 'vitest';
import {
  FRAME_SAMPLES,
  SAMPLE_RATE_HZ,
  TickClock,
  createI420,
  planes,
  rgbToYuv,
  sineFrames,
  tonePower,
  type WrtcPeerConnection,
} from '@parley/mixer';
import { keepReceived, until, useCleanups, wrtc } from './wrtc-setup.ts';

/**
 * The mixer's engine works here: two libwebrtc peers in this process connect over loopback (inside
 * the test namespace), one sends a solid colour from an RTCVideoSource and a tone from an
 * RTCAudioSource in exact 10 ms frames; the other decodes both through the nonstandard sinks.
 */

const cleanups = useCleanups();

function peer(): WrtcPeerConnection {
  const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
  cleanups.push(() => pc.close());
  return pc;
}

async function connect(a: WrtcPeerConnection, b: WrtcPeerConnection): Promise<void> {
  a.onicecandidate = (e) => void (e.candidate && b.addIceCandidate(e.candidate));
  b.onicecandidate = (e) => void (e.candidate && a.addIceCandidate(e.candidate));
  const offer = await a.createOffer();
  await a.setLocalDescription(offer);
  await b.setRemoteDescription(offer);
  const answer = await b.createAnswer();
  await b.setLocalDescription(answer);
  await a.setRemoteDescription(answer);
}

describe('@roamhq/wrtc on loopback', () => {
  it('sends a colour and a tone from Node sources and decodes them through sinks', async () => {
    const sender = peer();
    const receiver = peer();
    const orange = rgbToYuv(240, 140, 20);
    const videoSource = new wrtc.nonstandard.RTCVideoSource();
    const audioSource = new wrtc.nonstandard.RTCAudioSource();
    const videoTrack = videoSource.createTrack();
    const audioTrack = audioSource.createTrack();
    cleanups.push(() => videoTrack.stop(), () => audioTrack.stop());
    sender.addTrack(videoTrack);
    sender.addTrack(audioTrack);

    // Before the first packet is decoded the sink delivers 16 kHz frames of silence; then 48 kHz, 10 ms each.
    const { frames, audio } = keepReceived(receiver, cleanups);

    // Feed both sources from the mixer's own 10 ms clock, as the MCU will.
    const tone = sineFrames(1000, 8000);
    const picture = createI420(320, 240, orange);
    const clock = new TickClock();
    clock.start((tick) => {
      audioSource.onData({ samples: tone(tick), sampleRate: SAMPLE_RATE_HZ, bitsPerSample: 16, channelCount: 1, numberOfFrames: FRAME_SAMPLES });
      if (tick % 3 === 0) videoSource.onFrame({ width: picture.width, height: picture.height, data: picture.data.slice() });
    });
    cleanups.push(() => clock.stop());

    await connect(sender, receiver);
    await until(() => receiver.connectionState === 'connected', 10_000, 'connected');
    await until(() => frames.length >= 10 && audio.length >= 150, 15_000, 'decoded video and audio');

    const last = frames.at(-1)!;
    expect([last.width, last.height]).toEqual([320, 240]);
    const [y, u, v] = planes(last);
    const at = (p: typeof y, x: number, row: number): number => p.data[row * p.width + x]!;
    for (const [px, py] of [[160, 120], [20, 20], [300, 220]] as const) {
      expect(Math.abs(at(y, px, py) - orange.y)).toBeLessThanOrEqual(6);
      expect(Math.abs(at(u, px >> 1, py >> 1) - orange.u)).toBeLessThanOrEqual(6);
      expect(Math.abs(at(v, px >> 1, py >> 1) - orange.v)).toBeLessThanOrEqual(6);
    }

    // The last second of decoded audio: 10 ms frames at 48 kHz, the 1 kHz tone dominant at about its sent level.
    const recent = audio.slice(-100);
    expect(recent.every((f) => f.sampleRate === SAMPLE_RATE_HZ && f.samples.length === FRAME_SAMPLES)).toBe(true);
    const samples = new Int16Array(recent.length * FRAME_SAMPLES);
    recent.forEach((f, i) => samples.set(f.samples, i * FRAME_SAMPLES));
    const atTone = tonePower(samples, 1000);
    const expected = tonePower(tone(0), 1000);
    expect(atTone).toBeGreaterThan(expected * 0.3);
    expect(tonePower(samples, 1700)).toBeLessThan(atTone / 100);
    expect(clock.stats.ticks).toBeGreaterThan(100);
  });
});
