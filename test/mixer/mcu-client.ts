import {
  FRAME_SAMPLES,
  McuPeer,
  SAMPLE_RATE_HZ,
  TickClock,
  createI420,
  sineFrames,
  type I420Frame,
  type RoomMixer,
  type Wrtc,
  type WrtcPeerConnection,
  type WrtcVideoFrame,
} from '@parley/mixer';

/** Test participants of a RoomMixer: a libwebrtc peer of their own, connected through an McuPeer, in this process. */

export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface ClientOptions {
  /** The picture to send at each video frame (none: the client sends no video). */
  video?: ((frame: number) => I420Frame) | undefined;
  fps?: number;
  /** Send a tone (Hz); none: no audio. */
  toneHz?: number | undefined;
  /** Receive the mix and the composite (default true). */
  receive?: boolean;
}

export interface McuClient {
  readonly id: string;
  readonly pc: WrtcPeerConnection;
  readonly peer: McuPeer;
  /** Composite frames decoded so far, and the newest one. */
  readonly received: { frames: number; audioFrames: number; last?: WrtcVideoFrame };
  /** Stops feeding the sources (the stream stops; the connection stays). */
  stopSending(): void;
  /** Leaves: sources, sinks, connections, and the participant in the mixer. Idempotent. */
  close(): void;
}

/** A solid picture (a fresh buffer each call: the engine copies, the caller may reuse nothing). */
export const solidPicture = (width: number, height: number, colour: { y: number; u: number; v: number }) => (): I420Frame => createI420(width, height, colour);

export async function joinMixer(wrtc: Wrtc, mixer: RoomMixer, id: string, options: ClientOptions = {}): Promise<McuClient> {
  const receive = options.receive ?? true;
  const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
  const stops: (() => void)[] = [];
  const received: McuClient['received'] = { frames: 0, audioFrames: 0 };
  const clock = new TickClock();
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    clock.stop();
    for (const stop of stops.splice(0)) stop();
    pc.close();
    peer.close();
    if (!mixer.closed) mixer.removeParticipant(id);
  };
  const peer = new McuPeer({ wrtc, outputs: mixer.addParticipant(id, id), onInput: (t) => mixer.setInput(id, t), onInputEnded: (k) => mixer.removeInput(id, k), videoBitrateBps: 500_000 });
  try {
    const direction = receive ? 'sendrecv' : 'sendonly';
    const audio = options.toneHz !== undefined ? new wrtc.nonstandard.RTCAudioSource() : undefined;
    const video = options.video ? new wrtc.nonstandard.RTCVideoSource() : undefined;
    for (const [kind, source] of [['audio', audio], ['video', video]] as const) {
      if (source) {
        const track = source.createTrack();
        stops.push(() => track.stop());
        pc.addTransceiver(track, { direction });
      } else if (receive) {
        pc.addTransceiver(kind, { direction: 'recvonly' });
      }
    }
    pc.ontrack = ({ track }) => {
      if (track.kind === 'video') {
        const sink = new wrtc.nonstandard.RTCVideoSink(track);
        sink.onframe = ({ frame }) => {
          received.frames++;
          received.last = frame;
        };
        stops.push(() => sink.stop());
      } else {
        const sink = new wrtc.nonstandard.RTCAudioSink(track);
        sink.ondata = (d) => void (d.sampleRate === SAMPLE_RATE_HZ && received.audioFrames++);
        stops.push(() => sink.stop());
      }
    };
    const tone = options.toneHz !== undefined ? sineFrames(options.toneHz, 6000) : undefined;
    const everyTicks = Math.round(100 / (options.fps ?? 15));
    let videoFrame = 0;
    clock.start((tick) => {
      if (audio && tone) audio.onData({ samples: tone(tick), sampleRate: SAMPLE_RATE_HZ, bitsPerSample: 16, channelCount: 1, numberOfFrames: FRAME_SAMPLES });
      if (video && options.video && tick % everyTicks === 0) video.onFrame(options.video(videoFrame++));
    });
    await pc.setLocalDescription(await pc.createOffer());
    await until(() => pc.iceGatheringState === 'complete', 5000, `${id}: gathering`);
    await pc.setRemoteDescription({ type: 'answer', sdp: await peer.answer(pc.localDescription!.sdp!) });
  } catch (err) {
    close();
    throw err;
  }
  return { id, pc, peer, received, stopSending: () => clock.stop(), close };
}
