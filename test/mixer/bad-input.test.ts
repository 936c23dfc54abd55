import { afterEach, describe, expect, it } from 'vitest';
import {
  McuPeer,
  McuPeerUnsupportedError,
  RoomMixer,
  WorkerCompositor,
  createI420,
  gridLayout,
  loadWrtc,
  planes,
  rgbToYuv,
  type Wrtc,
  type WrtcMediaStreamTrack,
  type WrtcVideoFrame,
  type WrtcVideoSink,
} from '@parley/mixer';
import { joinMixer, solidPicture, until, type McuClient } from './mcu-client.ts';

/**
 * Bad input and resources (issue #6 item 4), part one: what publishers send wrongly — a codec the engine does not
 * have, pictures that change size or stop, frames that are not I420 at all — neither stalls nor crashes the mixer;
 * and a mixer with nobody sending encodes nothing.
 */

const wrtc = loadWrtc();
const cleanups: (() => void | Promise<void>)[] = [];

afterEach(async () => {
  // libwebrtc segfaults at exit if a peer connection is still open: close everything, always.
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The engine, with every video sink the mixer makes recorded (to feed its input path directly). */
function spiedWrtc(): { wrtc: Wrtc; sinks: WrtcVideoSink[] } {
  const sinks: WrtcVideoSink[] = [];
  const Real = wrtc.nonstandard.RTCVideoSink;
  function RTCVideoSink(track: WrtcMediaStreamTrack): WrtcVideoSink {
    const sink = new Real(track);
    sinks.push(sink);
    return sink;
  }
  return { wrtc: { ...wrtc, nonstandard: { ...wrtc.nonstandard, RTCVideoSink: RTCVideoSink as unknown as typeof Real } }, sinks };
}

function mixerOf(engine: Wrtc, log?: (m: string) => void): RoomMixer {
  const mixer = new RoomMixer({ wrtc: engine, width: 320, height: 180, fps: 15, layout: 'grid', createCompositor: () => new WorkerCompositor(), log });
  cleanups.push(() => mixer.close());
  return mixer;
}

async function join(mixer: RoomMixer, id: string, options: Parameters<typeof joinMixer>[3], engine: Wrtc = wrtc): Promise<McuClient> {
  const client = await joinMixer(engine, mixer, id, options);
  cleanups.push(() => client.close());
  return client;
}

/** The chroma at the centre of the one tile a listener of a two-person grid sees. */
function tileColour(frame: WrtcVideoFrame): { u: number; v: number } {
  const [tile] = gridLayout(1, frame.width, frame.height);
  const [, u, v] = planes(frame);
  const i = ((tile!.y + tile!.height / 2) >> 1) * u.width + ((tile!.x + tile!.width / 2) >> 1);
  return { u: u.data[i]!, v: v.data[i]! };
}

const near = (a: { u: number; v: number }, b: { u: number; v: number }) => Math.abs(a.u - b.u) <= 12 && Math.abs(a.v - b.v) <= 12;
const RED = rgbToYuv(230, 40, 40);
const BLUE = rgbToYuv(40, 60, 230);
const GREEN = rgbToYuv(40, 200, 60);

/** An offer from a fresh peer whose video section offers only H.265 (which this engine does not have). */
async function h265Offer(): Promise<string> {
  const pc = new wrtc.RTCPeerConnection();
  try {
    pc.addTransceiver('audio', { direction: 'sendrecv' });
    pc.addTransceiver('video', { direction: 'sendrecv' });
    const { sdp = '' } = await pc.createOffer();
    const [head, ...sections] = sdp.split(/\r\n(?=m=)/);
    const edited = sections.map((s) => {
      if (!s.startsWith('m=video')) return s;
      const lines = s.split('\r\n').filter((l) => !/^a=(rtpmap|fmtp|rtcp-fb):/.test(l));
      lines[0] = lines[0]!.replace(/(SAVPF) .*/, '$1 120');
      return [...lines, 'a=rtpmap:120 H265/90000'].join('\r\n');
    });
    return [head, ...edited].join('\r\n');
  } finally {
    pc.close();
  }
}

describe('the mixer under bad input', () => {
  it('rejects an offer of a codec the engine does not have, cleanly: the same peer then answers a good offer', async () => {
    const mixer = mixerOf(wrtc);
    const peer = new McuPeer({ wrtc, outputs: mixer.addParticipant('a', 'Ann'), onInput: (t) => mixer.setInput('a', t), onInputEnded: () => undefined });
    cleanups.push(() => peer.close());
    const error = await peer.answer(await h265Offer()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McuPeerUnsupportedError);
    expect(error).toMatchObject({ code: 'UNSUPPORTED_CODEC', sections: ['video (H265)'] });
    expect(peer.closed).toBe(false);
    // Nothing reached the engine: a normal offer on the same connection works.
    const client = new wrtc.RTCPeerConnection();
    cleanups.push(() => client.close());
    client.addTransceiver('audio', { direction: 'recvonly' });
    client.addTransceiver('video', { direction: 'recvonly' });
    await client.setLocalDescription(await client.createOffer());
    await until(() => client.iceGatheringState === 'complete', 5000, 'gathering');
    expect(await peer.answer(client.localDescription!.sdp!)).toMatch(/^m=video [1-9]/m);
  });

  it('follows a picture that changes size mid-stream (odd sizes too), and survives one that stops', async () => {
    const mixer = mixerOf(wrtc);
    let size = [640, 360];
    let colour = RED;
    const sender = await join(mixer, 's', { video: () => createI420(size[0]!, size[1]!, colour), toneHz: 700, receive: false });
    const viewer = await join(mixer, 'v', {});
    await until(() => viewer.received.frames > 5 && near(tileColour(viewer.received.last!), RED), 15_000, 'the red picture');
    for (const [next, c] of [[[321, 241], BLUE], [[1280, 720], GREEN], [[176, 144], RED]] as const) {
      size = [...next];
      colour = c;
      await until(() => near(tileColour(viewer.received.last!), c), 10_000, `the picture at ${next.join('x')}`);
    }
    // The stream stops (the connection stays): the composites go on, the last picture in its tile.
    sender.stopSending();
    const before = viewer.received.frames;
    await new Promise((r) => setTimeout(r, 1500));
    expect(viewer.received.frames).toBeGreaterThan(before + 10);
    expect(near(tileColour(viewer.received.last!), RED)).toBe(true);
    expect(mixer.stats).toMatchObject({ participants: 2, videoInputs: 1 });
  });

  it('drops frames that are not I420 (fed straight into its input path) and keeps the last good picture', async () => {
    const spy = spiedWrtc();
    const logged: string[] = [];
    const mixer = mixerOf(spy.wrtc, (m) => logged.push(m));
    await join(mixer, 's', { video: solidPicture(320, 240, BLUE), receive: false }, spy.wrtc);
    const viewer = await join(mixer, 'v', {}, spy.wrtc);
    await until(() => viewer.received.frames > 5 && near(tileColour(viewer.received.last!), BLUE), 15_000, 'the blue picture');
    const [sink] = spy.sinks;
    const garbage = [
      { width: 320, height: 240, data: new Uint8Array(100) },
      { width: 0, height: 240, data: new Uint8Array(0) },
      { width: 321.5, height: 2, data: new Uint8Array(1000) },
      { width: 100_000, height: 100_000, data: new Uint8Array(10) },
      { width: 4, height: 4, data: 'not pixels' as unknown as Uint8Array },
      { width: -2, height: -2, data: new Uint8Array(6) },
    ];
    // The engine itself refuses a wrong-sized frame at the source...
    const source = new wrtc.nonstandard.RTCVideoSource();
    expect(() => source.onFrame(garbage[0]!)).toThrow(TypeError);
    // ...so it is fed straight into the mixer's sink handler, between good frames, for a while.
    const end = Date.now() + 1000;
    while (Date.now() < end) {
      for (const frame of garbage) sink!.onframe!({ type: 'frame', frame });
      await new Promise((r) => setTimeout(r, 10));
    }
    const before = viewer.received.frames;
    await new Promise((r) => setTimeout(r, 700));
    expect(viewer.received.frames).toBeGreaterThan(before + 5);
    expect(near(tileColour(viewer.received.last!), BLUE)).toBe(true);
    expect(logged.filter((m) => m === 'malformed video frame dropped').length).toBeGreaterThanOrEqual(1);
  });

  it('encodes nothing while nobody sends: no composite reaches a listener until a publisher joins, and none after it leaves', async () => {
    const mixer = mixerOf(wrtc);
    const viewer = await join(mixer, 'v', {});
    await until(() => viewer.pc.connectionState === 'connected', 10_000, 'the viewer to connect');
    await new Promise((r) => setTimeout(r, 1500));
    expect([viewer.received.frames, viewer.received.audioFrames, mixer.stats.videoFramesOut, mixer.stats.audioFramesOut, mixer.encoding]).toEqual([0, 0, 0, 0, false]);
    const sender = await join(mixer, 's', { video: solidPicture(320, 240, GREEN), toneHz: 500, receive: false });
    await until(() => viewer.received.frames > 5, 15_000, 'composites');
    expect(mixer.encoding).toBe(true);
    sender.close();
    expect(mixer.encoding).toBe(false);
    const out = mixer.stats.videoFramesOut;
    await new Promise((r) => setTimeout(r, 500)); // frames already on the wire arrive
    const received = viewer.received.frames;
    await new Promise((r) => setTimeout(r, 1500));
    expect(mixer.stats.videoFramesOut).toBe(out);
    expect(viewer.received.frames).toBe(received);
  });
});
