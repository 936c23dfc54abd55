import { afterEach } from 'vitest';
import { loadWrtc, type WrtcPeerConnection, type WrtcVideoFrame } from '@parley/mixer';

/** What the namespaced libwebrtc tests share: the engine, cleanup after each test, and sinks that keep what arrives. */

export const wrtc = loadWrtc();
export { until } from './mcu-client.ts';

export type Cleanup = () => void | Promise<void>;

/** A list the calling file's tests push cleanups onto; after each test they run, last first. */
export function useCleanups(): Cleanup[] {
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    // libwebrtc segfaults at exit if a peer connection is still open: close everything, always.
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return cleanups;
}

export interface Received {
  frames: WrtcVideoFrame[];
  /** The first channel of every audio frame, with its rate (the sink's first frames are 16 kHz warm-up). */
  audio: Array<{ sampleRate: number; samples: Int16Array }>;
}

/** Decodes every track the connection receives through the engine's sinks, keeping copies. */
export function keepReceived(pc: WrtcPeerConnection, cleanups: Cleanup[]): Received {
  const out: Received = { frames: [], audio: [] };
  pc.ontrack = ({ track }) => {
    if (track.kind === 'video') {
      const sink = new wrtc.nonstandard.RTCVideoSink(track);
      sink.onframe = ({ frame }) => void out.frames.push({ width: frame.width, height: frame.height, data: frame.data.slice() });
      cleanups.push(() => sink.stop());
    } else {
      const sink = new wrtc.nonstandard.RTCAudioSink(track);
      sink.ondata = (d) => {
        const channels = d.channelCount ?? 1;
        out.audio.push({ sampleRate: d.sampleRate, samples: Int16Array.from({ length: d.samples.length / channels }, (_, i) => d.samples[i * channels]!) });
      };
      cleanups.push(() => sink.stop());
    }
  };
  return out;
}
