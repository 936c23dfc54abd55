import { AudioMixer, type AudioMixerOptions } from '../audio/audio-mixer.ts';
import { FRAME_SAMPLES, SAMPLE_RATE_HZ } from '../audio/frame.ts';
import { TickClock, type TickHandler } from '../clock.ts';
import type { WrtcAudioData, WrtcAudioSink, WrtcAudioSource, WrtcMediaStreamTrack, WrtcVideoFrame, WrtcVideoSink, Wrtc } from '../engine/wrtc.ts';
import { i420ByteLength } from '../video/i420.ts';
import { CompositeViews, type Compositor, type ViewMember } from './composite-views.ts';
import { SpeakerDetector, type SpeakerDetectorOptions } from './speaker.ts';

export type { Compositor } from './composite-views.ts';

/** The parts of a 10 ms clock the room mixer uses (a TickClock, or a manual one in tests). */
export interface MixerClock {
  readonly running: boolean;
  start(handler: TickHandler): void;
  stop(): void;
}

export interface RoomMixerOptions {
  /** The engine's sources and sinks. */
  wrtc: Pick<Wrtc, 'nonstandard'>;
  /** Made on first use; closed with the mixer. */
  createCompositor: () => Compositor;
  /** Composite size; even numbers. Default 640×360. */
  width?: number;
  height?: number;
  /** Composites per second. Default 15. */
  fps?: number;
  /** `auto`: the active speaker large when someone speaks, else a grid; `grid`: always the grid. */
  layout?: 'auto' | 'grid';
  audio?: AudioMixerOptions;
  speaker?: SpeakerDetectorOptions;
  clock?: MixerClock;
  log?: (message: string, detail?: unknown) => void;
}

export interface RoomMixerStats {
  participants: number;
  audioInputs: number;
  videoInputs: number;
  /** Composite frames handed to the listeners' video sources. */
  videoFramesOut: number;
  /** Composites made late: a tick came while the listener's previous one was still being made (then made right after it). */
  videoFramesLate: number;
  /** Composites skipped: a second tick came while the previous one was still being made (the worker is behind). */
  videoFramesSkipped: number;
  /** Mixed 10 ms frames handed to the listeners' audio sources. */
  audioFramesOut: number;
  /** Input frames dropped before mixing: not 48 kHz or not 10 ms (the sink's warm-up frames). */
  audioFramesDropped: number;
  /** Ticks an input that had started had no frame for (each an audible glitch). */
  audioUnderruns: number;
  speaker: string | undefined;
  /** Whose picture is a screen share, shown large for everyone else (the newest of those presenting). */
  presenter: string | undefined;
}

/** What one participant hears and sees: their own mix-minus and composite. */
export interface MixerOutputs {
  audio: WrtcMediaStreamTrack;
  video: WrtcMediaStreamTrack;
}

/** A participant: what the composite views need (ViewMember), plus their audio and their inputs' sinks. */
interface Member extends ViewMember {
  audioSource: WrtcAudioSource;
  outputs: MixerOutputs;
  audioSink?: { track: WrtcMediaStreamTrack; sink: WrtcAudioSink } | undefined;
  videoSink?: { track: WrtcMediaStreamTrack; sink: WrtcVideoSink } | undefined;
}

const SPEAKER_EVERY_TICKS = 25;
/** Larger decoded frames than this are garbage, not video (8K). */
const MAX_INPUT_SIDE = 8192;

/**
 * One MCU room: each participant's decoded microphone and camera go in; each participant gets one
 * audio track (everyone but themselves, limited) and one composite video track (everyone but
 * themselves, named, in a grid or with the active speaker large). Driven by a 10 ms clock that runs
 * only while some input exists: with no inputs nothing is mixed or encoded. Knows nothing of signaling.
 */
export class RoomMixer {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly #options: RoomMixerOptions;
  readonly #members = new Map<string, Member>();
  /** Participants presenting a screen, oldest first: the newest is shown large. */
  #presenters: string[] = [];
  readonly #audio: AudioMixer;
  readonly #speaker: SpeakerDetector;
  readonly #clock: MixerClock;
  readonly #views: CompositeViews<Member>;
  /** Malformed input frames dropped (logged now and then). */
  #badFrames = 0;
  #ticks = 0;
  #closed = false;
  readonly #stats = { videoFramesOut: 0, videoFramesLate: 0, videoFramesSkipped: 0, audioFramesOut: 0, audioFramesDropped: 0 };

  constructor(options: RoomMixerOptions) {
    this.#options = options;
    this.width = options.width ?? 640;
    this.height = options.height ?? 360;
    this.fps = options.fps ?? 15;
    if (this.width % 2 !== 0 || this.height % 2 !== 0 || this.width < 2 || this.height < 2) throw new RangeError(`composite size must be even and positive, got ${this.width}x${this.height}`);
    if (!(this.fps > 0 && this.fps <= 100)) throw new RangeError(`fps must be in (0, 100], got ${this.fps}`);
    this.#audio = new AudioMixer(options.audio);
    this.#views = new CompositeViews<Member>({
      createCompositor: options.createCompositor,
      width: this.width,
      height: this.height,
      stats: this.#stats,
      current: (m) => !this.#closed && this.#members.get(m.id) === m,
      ...(options.log ? { log: options.log } : {}),
    });
    this.#speaker = new SpeakerDetector(options.speaker);
    // Ticks after pending I/O: decoded audio that arrived while the loop was busy is queued before a tick looks for it.
    this.#clock = options.clock ?? new TickClock({ afterIo: true });
  }

  get closed(): boolean {
    return this.#closed;
  }
  get size(): number {
    return this.#members.size;
  }
  /** Whether the clock runs (some input exists): outputs are being produced and encoded. */
  get encoding(): boolean {
    return this.#clock.running;
  }
  get speaker(): string | undefined {
    return this.#speaker.speaker;
  }
  /** The newest participant presenting a screen (their tile is the large one), if any. */
  get presenter(): string | undefined {
    return this.#presenters.at(-1);
  }

  get stats(): RoomMixerStats {
    const members = [...this.#members.values()];
    return {
      participants: members.length,
      audioInputs: members.filter((m) => m.audioSink).length,
      videoInputs: members.filter((m) => m.videoSink).length,
      ...this.#stats,
      audioUnderruns: this.#audio.stats.glitches,
      speaker: this.#speaker.speaker,
      presenter: this.presenter,
    };
  }

  has(id: string): boolean {
    return this.#members.has(id);
  }

  /** A participant joins: their output tracks (to send them), created now. Joining twice returns the same tracks. */
  addParticipant(id: string, name: string): MixerOutputs {
    this.#checkOpen();
    const existing = this.#members.get(id);
    if (existing) return existing.outputs;
    const { RTCAudioSource, RTCVideoSource } = this.#options.wrtc.nonstandard;
    const audioSource = new RTCAudioSource();
    // A composite is made of pictures that were decoded already: the encoder's denoiser (on by default for VP8,
    // 18 % of its time here) would filter noise that is not there.
    const videoSource = new RTCVideoSource({ needsDenoising: false });
    const outputs = { audio: audioSource.createTrack(), video: videoSource.createTrack() };
    this.#members.set(id, { id, name, audioSource, videoSource, outputs, compositing: false, listening: true, showSelf: false, presenting: false });
    this.#audio.addListener(id);
    return outputs;
  }

  rename(id: string, name: string): void {
    const m = this.#members.get(id);
    if (m) m.name = name;
  }

  /**
   * A participant's video input is (or is no longer) a screen share. The newest presenter's tile is the large one
   * of every other listener's composite, whatever the layout; the presenter sees the others in a grid.
   */
  setPresenting(id: string, presenting: boolean): void {
    const m = this.#members.get(id);
    if (!m || m.presenting === presenting) return;
    m.presenting = presenting;
    this.#presenters = this.#presenters.filter((p) => p !== id);
    if (presenting) this.#presenters.push(id);
  }

  /**
   * Whether a participant's outputs are made (default: yes, from addParticipant on). One who is not listening is
   * still mixed into everyone else's outputs; nothing is composited or mixed for them (an SFU room mixes only for
   * those who take the MCU downlink). `showSelf` puts their own tile in their composite.
   */
  setListening(id: string, listening: boolean, options: { showSelf?: boolean } = {}): void {
    const m = this.#members.get(id);
    if (!m) throw new Error(`no participant "${id}" in this mixer`);
    m.listening = listening;
    m.showSelf = options.showSelf ?? false;
    if (listening) this.#audio.addListener(id);
    else this.#audio.removeListener(id);
  }

  /** A participant's decoded track (microphone or camera); replaces their previous one of that kind. */
  setInput(id: string, track: WrtcMediaStreamTrack): void {
    this.#checkOpen();
    const m = this.#members.get(id);
    if (!m) throw new Error(`no participant "${id}" in this mixer`);
    if (track.kind === 'audio') {
      if (m.audioSink?.track === track) return;
      this.removeInput(id, 'audio');
      const sink = new this.#options.wrtc.nonstandard.RTCAudioSink(track);
      sink.ondata = (data) => this.#onAudio(m, data);
      m.audioSink = { track, sink };
      this.#audio.addInput(id);
    } else {
      if (m.videoSink?.track === track) return;
      this.removeInput(id, 'video');
      const sink = new this.#options.wrtc.nonstandard.RTCVideoSink(track);
      sink.onframe = ({ frame }) => this.#onVideo(m, frame);
      m.videoSink = { track, sink };
    }
    this.#updateClock();
  }

  /** The participant stopped sending this kind: its sink is released (their tile keeps their name). */
  removeInput(id: string, kind: 'audio' | 'video'): void {
    const m = this.#members.get(id);
    if (!m) return;
    if (kind === 'audio' && m.audioSink) {
      m.audioSink.sink.stop();
      m.audioSink = undefined;
      this.#audio.removeInput(id);
      this.#speaker.remove(id);
    } else if (kind === 'video' && m.videoSink) {
      m.videoSink.sink.stop();
      m.videoSink = undefined;
      m.pendingFrame = undefined;
      this.#views.removeSource(id);
    }
    this.#updateClock();
  }

  /** A participant leaves: their sinks stop, their output tracks end, their tile goes. */
  removeParticipant(id: string): void {
    const m = this.#members.get(id);
    if (!m) return;
    this.removeInput(id, 'audio');
    this.removeInput(id, 'video');
    this.#members.delete(id);
    this.#presenters = this.#presenters.filter((p) => p !== id);
    this.#audio.removeListener(id);
    m.outputs.audio.stop();
    m.outputs.video.stop();
    this.#updateClock();
  }

  /** Stops everything: sinks, output tracks, the clock and the compositor thread. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    for (const id of [...this.#members.keys()]) this.removeParticipant(id);
    this.#closed = true;
    this.#clock.stop();
    await this.#views.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error('the room mixer is closed');
  }

  #hasInputs(): boolean {
    for (const m of this.#members.values()) if (m.audioSink || m.videoSink) return true;
    return false;
  }

  #updateClock(): void {
    const wanted = !this.#closed && this.#hasInputs();
    if (wanted && !this.#clock.running) this.#clock.start((tick) => this.#tick(tick));
    else if (!wanted && this.#clock.running) this.#clock.stop();
  }

  #onAudio(m: Member, data: WrtcAudioData): void {
    const channels = data.channelCount ?? 1;
    // The sink's first frames (before a packet is decoded) are 16 kHz: not ours to mix. Nor is anything malformed.
    if (data.sampleRate !== SAMPLE_RATE_HZ || !(data.samples instanceof Int16Array) || !(Number.isInteger(channels) && channels >= 1) || data.samples.length !== FRAME_SAMPLES * channels) {
      this.#stats.audioFramesDropped++;
      return;
    }
    const mono = new Int16Array(FRAME_SAMPLES);
    if (channels === 1) mono.set(data.samples);
    else for (let i = 0; i < FRAME_SAMPLES; i++) {
      let sum = 0;
      for (let c = 0; c < channels; c++) sum += data.samples[i * channels + c]!;
      mono[i] = Math.round(sum / channels);
    }
    this.#audio.push(m.id, mono);
    this.#speaker.push(m.id, mono);
  }

  #onVideo(m: Member, frame: WrtcVideoFrame): void {
    const { width, height, data } = frame;
    const valid = Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 && width <= MAX_INPUT_SIDE && height <= MAX_INPUT_SIDE;
    if (!valid || !(data instanceof Uint8Array) || data.byteLength !== i420ByteLength(width, height)) {
      // Never from a working decoder: dropped (the tile keeps the last good picture), logged now and then.
      if (this.#badFrames++ % 100 === 0) this.#options.log?.('malformed video frame dropped', { participant: m.id, width, height, bytes: (data as Uint8Array | undefined)?.byteLength, dropped: this.#badFrames });
      return;
    }
    // The engine gives each decoded frame an ArrayBuffer of its own: keep it as it is (it is transferred to the
    // compositor, not copied); a view into a larger buffer is copied. A frame not composited in time is dropped.
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
    m.pendingFrame = { width, height, data: whole ? data : data.slice() };
  }

  #tick(tick: number): void {
    this.#ticks++;
    for (const [id, samples] of this.#audio.mix()) {
      const m = this.#members.get(id);
      if (!m) continue;
      m.audioSource.onData({ samples, sampleRate: SAMPLE_RATE_HZ, bitsPerSample: 16, channelCount: 1, numberOfFrames: FRAME_SAMPLES });
      this.#stats.audioFramesOut++;
    }
    if (this.#ticks % SPEAKER_EVERY_TICKS === 0) this.#speaker.update(tick * 10);
    // fps composites per second on the 100 Hz clock, evenly spread.
    if (Math.floor((tick * this.fps) / 100) !== Math.floor(((tick - 1) * this.fps) / 100)) {
      // A screen share is shown large whatever the layout; else the active speaker, in the `auto` layout.
      this.#views.compositeAll(this.#members.values(), this.presenter ?? (this.#options.layout === 'grid' ? undefined : this.#speaker.speaker));
    }
  }
}
