import { Emitter } from './emitter.ts';
import type { Room } from './room.ts';

export type MediaProblem = 'denied' | 'not-found' | 'in-use' | 'insecure' | 'other';

export interface LocalMediaState {
  stream: MediaStream | undefined;
  screen: MediaStream | undefined;
  audioEnabled: boolean;
  videoEnabled: boolean;
  /** Why a device could not be had, per kind (undefined when all is well). */
  problems: { audio?: MediaProblem; video?: MediaProblem };
  devices: MediaDeviceInfo[];
  audioDeviceId: string | undefined;
  videoDeviceId: string | undefined;
  outputDeviceId: string | undefined;
}

export type LocalMediaEvents = { changed: [] };

function problemOf(err: unknown): MediaProblem {
  const name = (err as { name?: string } | undefined)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'not-found';
  if (name === 'NotReadableError' || name === 'AbortError') return 'in-use';
  if (name === 'TypeError' && typeof navigator !== 'undefined' && !navigator.mediaDevices) return 'insecure';
  return 'other';
}

const VIDEO: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };

/**
 * The camera, microphone and screen of this participant: acquiring them (with a friendly reason
 * when that fails), muting, switching devices mid-call without renegotiation, screen sharing.
 */
export class LocalMedia extends Emitter<LocalMediaEvents> {
  state: LocalMediaState = { stream: undefined, screen: undefined, audioEnabled: true, videoEnabled: true, problems: {}, devices: [], audioDeviceId: undefined, videoDeviceId: undefined, outputDeviceId: undefined };
  #room: Room | undefined;
  readonly #onDeviceChange = () => void this.refreshDevices();

  constructor() {
    super();
    navigator.mediaDevices?.addEventListener?.('devicechange', this.#onDeviceChange);
  }

  #set(patch: Partial<LocalMediaState>): void {
    this.state = { ...this.state, ...patch };
    this.emit('changed');
  }

  async refreshDevices(): Promise<void> {
    const devices = (await navigator.mediaDevices?.enumerateDevices().catch(() => [])) ?? [];
    this.#set({ devices });
  }

  /** Gets camera and microphone, each on its own so that one missing still leaves the other. */
  async start(options: { audio?: boolean; video?: boolean } = {}): Promise<void> {
    if (this.state.stream) return;
    const problems: LocalMediaState['problems'] = {};
    const stream = new MediaStream();
    const want = { audio: options.audio ?? true, video: options.video ?? true };
    if (!navigator.mediaDevices?.getUserMedia) {
      this.#set({ stream: undefined, problems: { audio: 'insecure', video: 'insecure' } });
      return;
    }
    for (const kind of ['audio', 'video'] as const) {
      try {
        const id = kind === 'audio' ? this.state.audioDeviceId : this.state.videoDeviceId;
        const constraints: MediaTrackConstraints | boolean = kind === 'video' ? { ...VIDEO, ...(id ? { deviceId: { exact: id } } : {}) } : id ? { deviceId: { exact: id } } : true;
        const got = await navigator.mediaDevices.getUserMedia({ [kind]: constraints });
        for (const t of got.getTracks()) stream.addTrack(t);
      } catch (err) {
        problems[kind] = problemOf(err);
      }
    }
    const audioTrack = stream.getAudioTracks()[0];
    const videoTrack = stream.getVideoTracks()[0];
    if (audioTrack) audioTrack.enabled = want.audio;
    if (videoTrack) videoTrack.enabled = want.video;
    this.#set({
      stream: stream.getTracks().length > 0 ? stream : undefined,
      problems,
      audioEnabled: want.audio && !!audioTrack,
      videoEnabled: want.video && !!videoTrack,
      audioDeviceId: audioTrack?.getSettings().deviceId ?? this.state.audioDeviceId,
      videoDeviceId: videoTrack?.getSettings().deviceId ?? this.state.videoDeviceId,
    });
    // Joined before the devices answered (Join pressed while getUserMedia was pending): publish now,
    // or the others would never get this camera and microphone.
    if (this.#room && this.state.stream) this.publishTo(this.#room);
    await this.refreshDevices();
  }

  /** Publishes the current media to a room (and keeps it published across device switches). */
  publishTo(room: Room): void {
    this.#room = room;
    if (this.state.stream) room.publish(this.state.stream);
    room.setMediaState({ audio: this.state.audioEnabled, video: this.state.videoEnabled });
  }

  setEnabled(kind: 'audio' | 'video', enabled: boolean): void {
    const tracks = kind === 'audio' ? this.state.stream?.getAudioTracks() : this.state.stream?.getVideoTracks();
    if (!tracks?.length) return;
    for (const t of tracks) t.enabled = enabled;
    this.#set(kind === 'audio' ? { audioEnabled: enabled } : { videoEnabled: enabled });
    this.#room?.setMediaState({ audio: this.state.audioEnabled, video: this.state.videoEnabled });
  }

  /** Switches to another camera or microphone; in a call the new track replaces the old one in place. */
  async switchDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    const stream = this.state.stream;
    const old = kind === 'audio' ? stream?.getAudioTracks()[0] : stream?.getVideoTracks()[0];
    const constraints = kind === 'video' ? { ...VIDEO, deviceId: { exact: deviceId } } : { deviceId: { exact: deviceId } };
    const got = await navigator.mediaDevices.getUserMedia({ [kind]: constraints });
    const track = got.getTracks()[0];
    if (!track) return;
    track.enabled = kind === 'audio' ? this.state.audioEnabled : this.state.videoEnabled;
    if (stream && old) {
      await this.#room?.replaceTrack(old, track);
      stream.removeTrack(old);
      old.stop();
      stream.addTrack(track);
    } else {
      const next = stream ?? new MediaStream();
      next.addTrack(track);
      if (this.#room) this.#room.publish(next, [track]);
      this.#set({ stream: next });
    }
    this.#set(kind === 'audio' ? { audioDeviceId: deviceId, problems: { ...this.state.problems, audio: undefined } } : { videoDeviceId: deviceId, problems: { ...this.state.problems, video: undefined } });
  }

  setOutputDevice(deviceId: string): void {
    this.#set({ outputDeviceId: deviceId });
  }

  /** Shares a screen or window as a separate stream (its own tile for the others). */
  async startScreenShare(): Promise<void> {
    if (this.state.screen) return;
    const screen = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15 } }, audio: false });
    const track = screen.getVideoTracks()[0];
    if (track) {
      track.contentHint = 'detail';
      // The browser's own "Stop sharing" button ends the track.
      track.addEventListener('ended', () => this.stopScreenShare());
    }
    this.#room?.publish(screen, screen.getTracks(), 'screen');
    this.#set({ screen });
  }

  stopScreenShare(): void {
    const screen = this.state.screen;
    if (!screen) return;
    for (const t of screen.getTracks()) {
      this.#room?.unpublish(t);
      t.stop();
    }
    this.#set({ screen: undefined });
  }

  stop(): void {
    this.stopScreenShare();
    for (const t of this.state.stream?.getTracks() ?? []) t.stop();
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.#onDeviceChange);
    this.#set({ stream: undefined });
  }
}

/** The loudness of a stream's audio, 0..1, read on demand (a level meter polls it). */
export class AudioLevelMeter {
  readonly #ctx: AudioContext;
  readonly #analyser: AnalyserNode;
  readonly #buffer: Float32Array<ArrayBuffer>;

  constructor(stream: MediaStream) {
    this.#ctx = new AudioContext();
    this.#analyser = this.#ctx.createAnalyser();
    this.#analyser.fftSize = 512;
    this.#buffer = new Float32Array(this.#analyser.fftSize);
    this.#ctx.createMediaStreamSource(stream).connect(this.#analyser);
  }

  level(): number {
    this.#analyser.getFloatTimeDomainData(this.#buffer);
    let sum = 0;
    for (const v of this.#buffer) sum += v * v;
    return Math.min(1, Math.sqrt(sum / this.#buffer.length) * 4);
  }

  close(): void {
    void this.#ctx.close();
  }
}
