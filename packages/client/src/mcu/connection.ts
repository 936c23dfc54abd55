import { McuSendLimit } from '@parley/protocol';
import { Emitter } from '../emitter.ts';
import { ServerPeer } from '../server-peer.ts';

/** The server's answer, and the most video worth sending it (the composite's size, rate and bitrate), if it says. */
export interface McuAnswer {
  sdp: string;
  send?: unknown;
}

export interface McuConnectionOptions {
  configuration: RTCConfiguration;
  /** Sends the offer (candidates included) to the server and resolves with its answer. */
  offer(sdp: string): Promise<McuAnswer>;
  /** How long to wait for our candidates before offering without the missing ones. Default 2000 ms. */
  gatherTimeoutMs?: number;
  /** Delay before retrying a failed negotiation (times the failure count). Default 1000 ms. */
  retryDelayMs?: number;
  log?: (message: string, detail?: unknown) => void;
}

export type McuConnectionEvents = {
  /** The mix arrived: one audio and one composite video track, both in `stream`. */
  trackAdded: [track: MediaStreamTrack];
  connectionStateChanged: [state: RTCPeerConnectionState];
};

/**
 * The one RTCPeerConnection to the server's MCU in an `mcu` room: an audio and a video section, each sending
 * our microphone / camera when we publish one and receiving the server's mix (everyone but us, in one audio
 * track and one composite picture). We offer with every candidate gathered, the server answers with its own:
 * no trickle either way.
 */
export class McuConnection extends Emitter<McuConnectionEvents> {
  readonly pc: RTCPeerConnection;
  /** The composite video and the mixed audio, as received. */
  readonly stream = new MediaStream();
  readonly #options: McuConnectionOptions;
  readonly #sections: Record<'audio' | 'video', RTCRtpTransceiver>;
  readonly #peer: ServerPeer;
  /** The video we were given: the screen, when there is one, goes up instead of the camera. */
  #camera: MediaStreamTrack | null = null;
  #screen: MediaStreamTrack | null = null;
  /** The server's limit on what we send (`mcuOffer`'s `data.send`), once known. */
  #sendLimit: McuSendLimit | undefined;

  constructor(options: McuConnectionOptions) {
    super();
    this.#options = options;
    this.#peer = new ServerPeer({
      configuration: options.configuration,
      label: 'MCU',
      exchange: () => this.#exchange(),
      // No MCU, not a room it mixes, or a token that may not publish/subscribe: a retry would fail the same way.
      finalCodes: ['MCU_UNAVAILABLE', 'WRONG_TOPOLOGY', 'FORBIDDEN'],
      onConnectionStateChange: (state) => this.emit('connectionStateChanged', state),
      ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    this.pc = this.#peer.pc;
    this.#sections = { audio: this.pc.addTransceiver('audio', { direction: 'recvonly' }), video: this.pc.addTransceiver('video', { direction: 'recvonly' }) };
    this.pc.ontrack = ({ track }) => {
      if (this.stream.getTracks().includes(track)) return;
      this.stream.addTrack(track);
      this.emit('trackAdded', track);
    };
    void this.negotiate();
  }

  get closed(): boolean {
    return this.#peer.closed;
  }

  /** Negotiation failed for good (no MCU on the server, say): the connection will not come up by itself. */
  get failed(): boolean {
    return this.#peer.gaveUp;
  }

  /** What we send: our microphone and camera tracks, if any. */
  get publishedTracks(): MediaStreamTrack[] {
    return [this.#sections.audio.sender.track, this.#sections.video.sender.track].filter((t): t is MediaStreamTrack => t !== null);
  }

  /** Resolves once every change made so far is negotiated (or failed). */
  negotiate(): Promise<void> {
    return this.#peer.negotiate();
  }

  /**
   * Sends a microphone, camera or screen track to the mix; the MCU takes one of each kind (a second microphone
   * or camera is ignored). A screen goes up in place of the camera (the server shows it large, named
   * "(screen)", once the room's `mediaState` announces it); the camera comes back when the screen stops.
   */
  publish(track: MediaStreamTrack, source: 'camera' | 'screen' = 'camera'): boolean {
    if (this.closed) return false;
    if (track.kind === 'audio') {
      const section = this.#sections.audio;
      if (source === 'screen' || section.sender.track) return false; // screen audio stays out of the mix
      this.#send(section, track);
      return true;
    }
    if (track.kind !== 'video') return false;
    if (source === 'screen') this.#screen = track;
    else if (this.#camera) return false;
    else this.#camera = track;
    this.#send(this.#sections.video, this.#screen ?? this.#camera);
    return true;
  }

  unpublish(track: MediaStreamTrack): void {
    if (this.closed) return;
    if (track.kind === 'audio') {
      if (this.#sections.audio.sender.track === track) this.#send(this.#sections.audio, null);
      return;
    }
    if (track === this.#screen) this.#screen = null;
    else if (track === this.#camera) this.#camera = null;
    else return;
    this.#send(this.#sections.video, this.#screen ?? this.#camera);
  }

  /** Swaps a published track for another of the same kind, without renegotiation. */
  async replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack): Promise<void> {
    if (oldTrack === this.#camera) this.#camera = newTrack;
    if (oldTrack === this.#screen) this.#screen = newTrack;
    const section = this.#sections[oldTrack.kind as 'audio' | 'video'];
    if (!this.closed && section?.sender.track === oldTrack) {
      await section.sender.replaceTrack(newTrack);
      if (section === this.#sections.video) await this.#limitVideo();
    }
  }

  /** Sends `track` (or nothing) on a section; renegotiates only when its direction changes. */
  #send(section: RTCRtpTransceiver, track: MediaStreamTrack | null): void {
    if (section.sender.track === track) return;
    const replaced = section.sender.replaceTrack(track);
    if (section === this.#sections.video) void replaced.then(() => this.#limitVideo(), () => undefined);
    const direction = track ? 'sendrecv' : 'recvonly';
    if (section.direction === direction) return;
    section.direction = direction;
    void this.negotiate();
  }

  /**
   * Fits the video we send into the server's limit: scaled down to the composite's size (never up), at most its frame
   * rate and bitrate. Applied after each negotiation (the encoding exists from then on) and each change of track.
   */
  async #limitVideo(): Promise<void> {
    const limit = this.#sendLimit;
    const sender = this.#sections.video.sender;
    const track = sender.track;
    if (!limit || !track || this.closed) return;
    const { width = 0, height = 0 } = track.getSettings();
    const params = sender.getParameters();
    const encoding = params.encodings?.[0];
    if (!encoding) return; // not negotiated yet: the exchange applies it
    encoding.scaleResolutionDownBy = Math.max(1, width / limit.width, height / limit.height);
    encoding.maxFramerate = limit.fps;
    encoding.maxBitrate = limit.maxBitrateBps;
    try {
      await sender.setParameters(params);
    } catch (err) {
      this.#options.log?.('MCU: could not limit the video sent', err);
    }
  }

  restartIce(): void {
    this.#peer.restartIce();
  }

  async #exchange(): Promise<void> {
    const pc = this.pc;
    await pc.setLocalDescription(await pc.createOffer());
    await this.#gathered();
    try {
      const answer = await this.#options.offer(pc.localDescription?.sdp ?? '');
      if (this.closed) return;
      await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
      const limit = McuSendLimit.safeParse(answer.send);
      if (limit.success) this.#sendLimit = limit.data;
      else if (answer.send !== undefined) this.#options.log?.('MCU: ignored a malformed send limit', answer.send);
      await this.#limitVideo();
    } catch (error) {
      await this.#peer.rollback();
      throw error;
    }
  }

  #gathered(): Promise<void> {
    const pc = this.pc;
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        pc.removeEventListener('icegatheringstatechange', check);
        resolve();
      };
      const check = () => pc.iceGatheringState === 'complete' && done();
      const timer = setTimeout(done, this.#options.gatherTimeoutMs ?? 2000);
      pc.addEventListener('icegatheringstatechange', check);
    });
  }

  /** Closes the connection and ends the mix's tracks. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.#peer.close();
    for (const track of this.stream.getTracks()) this.stream.removeTrack(track);
  }
}
