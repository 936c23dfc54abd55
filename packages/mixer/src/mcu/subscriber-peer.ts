import type { Wrtc, WrtcMediaStreamTrack, WrtcPeerConnection, WrtcPeerConnectionConfig, WrtcRtpTransceiver } from '../engine/wrtc.ts';
import { McuPeerClosedError } from './mcu-peer.ts';

/** One remote track to receive: `key` names it to the answerer (e.g. an SFU producer id). */
export interface WantedTrack {
  key: string;
  kind: 'audio' | 'video';
}

export interface SubscriberPeerOptions {
  wrtc: Pick<Wrtc, 'RTCPeerConnection'>;
  /** Sends our offer and which section wants which key; resolves with the answer SDP. */
  negotiate(offerSdp: string, sections: Array<{ mid: string; key: string }>): Promise<string>;
  /** A wanted key's track is negotiated (media may still be on its way). */
  onTrack(key: string, track: WrtcMediaStreamTrack): void;
  /** A key is no longer received (it left the wanted set). */
  onTrackEnded(key: string, kind: 'audio' | 'video'): void;
  configuration?: WrtcPeerConnectionConfig;
}

/**
 * A libwebrtc peer connection that only receives: the offerer side of a subscription to someone else's tracks (the
 * MCU subscribing to its own SFU, so that the mixer can decode what SFU publishers send). `want` says which keys to
 * receive; each change is one offer (recvonly sections, spare ones reused by kind), negotiated one at a time.
 */
export class SubscriberPeer {
  readonly pc: WrtcPeerConnection;
  readonly #options: SubscriberPeerOptions;
  readonly #sections = new Map<string, { transceiver: WrtcRtpTransceiver; kind: 'audio' | 'video'; reported?: WrtcMediaStreamTrack }>();
  readonly #spare: Array<{ transceiver: WrtcRtpTransceiver; kind: 'audio' | 'video' }> = [];
  #chain: Promise<unknown> = Promise.resolve();
  /** The last negotiation failed: the next `want` offers even without a change. */
  #dirty = false;
  #closed = false;

  constructor(options: SubscriberPeerOptions) {
    this.#options = options;
    this.pc = new options.wrtc.RTCPeerConnection({ bundlePolicy: 'max-bundle', ...options.configuration });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The keys received now (or being negotiated). */
  get keys(): string[] {
    return [...this.#sections.keys()];
  }

  /** Receives exactly these tracks from now on; resolves once negotiated (rejects if the answerer refused; McuPeerClosedError once closed). */
  want(tracks: readonly WantedTrack[]): Promise<void> {
    const next = this.#chain.then(() => this.#apply(tracks));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #apply(tracks: readonly WantedTrack[]): Promise<void> {
    if (this.#closed) throw new McuPeerClosedError();
    const wanted = new Map(tracks.map((t) => [t.key, t.kind]));
    let changed = false;
    for (const [key, section] of this.#sections) {
      if (wanted.get(key) === section.kind) continue;
      this.#sections.delete(key);
      section.transceiver.direction = 'inactive';
      this.#spare.push(section);
      if (section.reported) this.#options.onTrackEnded(key, section.kind);
      changed = true;
    }
    for (const [key, kind] of wanted) {
      if (this.#sections.has(key)) continue;
      const i = this.#spare.findIndex((s) => s.kind === kind);
      const transceiver = i >= 0 ? (this.#spare.splice(i, 1)[0] as { transceiver: WrtcRtpTransceiver }).transceiver : this.pc.addTransceiver(kind, { direction: 'recvonly' });
      transceiver.direction = 'recvonly';
      this.#sections.set(key, { transceiver, kind });
      changed = true;
    }
    if (!changed && !this.#dirty) return;
    this.#dirty = true;
    await this.pc.setLocalDescription(await this.pc.createOffer());
    const sections = [...this.#sections].flatMap(([key, s]) => (s.transceiver.mid ? [{ mid: s.transceiver.mid, key }] : []));
    try {
      const answer = await this.#options.negotiate(this.pc.localDescription?.sdp ?? '', sections);
      if (this.#closed) throw new McuPeerClosedError();
      await this.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    } catch (err) {
      if (!this.#closed) await this.pc.setLocalDescription({ type: 'rollback' }).catch(() => undefined);
      throw err;
    }
    this.#dirty = false;
    for (const [key, section] of this.#sections) {
      const track = section.transceiver.receiver.track;
      if (section.reported === track) continue;
      section.reported = track;
      this.#options.onTrack(key, track);
    }
  }

  /** Closes the connection (libwebrtc crashes the process at exit if one stays open). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.pc.close();
  }
}
