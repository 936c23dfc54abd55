import { Emitter } from '../emitter.ts';
import { ServerPeer } from '../server-peer.ts';

export interface McuConnectionOptions {
  configuration: RTCConfiguration;
  /** Sends the offer (candidates included) to the server and resolves with its answer SDP. */
  offer(sdp: string): Promise<string>;
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

  /** What we send: our microphone and camera tracks, if any. */
  get publishedTracks(): MediaStreamTrack[] {
    return [this.#sections.audio.sender.track, this.#sections.video.sender.track].filter((t): t is MediaStreamTrack => t !== null);
  }

  /** Resolves once every change made so far is negotiated (or failed). */
  negotiate(): Promise<void> {
    return this.#peer.negotiate();
  }

  /** Sends a microphone or camera track to the mix; the MCU takes one of each (a second one of a kind is ignored). */
  publish(track: MediaStreamTrack): boolean {
    const section = this.#sections[track.kind as 'audio' | 'video'];
    if (this.closed || !section || section.sender.track) return false;
    void section.sender.replaceTrack(track);
    section.direction = 'sendrecv';
    void this.negotiate();
    return true;
  }

  unpublish(track: MediaStreamTrack): void {
    const section = this.#sections[track.kind as 'audio' | 'video'];
    if (this.closed || section?.sender.track !== track) return;
    void section.sender.replaceTrack(null);
    section.direction = 'recvonly';
    void this.negotiate();
  }

  /** Swaps a published track for another of the same kind, without renegotiation. */
  async replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack): Promise<void> {
    const section = this.#sections[oldTrack.kind as 'audio' | 'video'];
    if (!this.closed && section?.sender.track === oldTrack) await section.sender.replaceTrack(newTrack);
  }

  restartIce(): void {
    this.#peer.restartIce();
  }

  async #exchange(): Promise<void> {
    const pc = this.pc;
    await pc.setLocalDescription(await pc.createOffer());
    await this.#gathered();
    try {
      const sdp = await this.#options.offer(pc.localDescription?.sdp ?? '');
      if (this.closed) return;
      await pc.setRemoteDescription({ type: 'answer', sdp });
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
