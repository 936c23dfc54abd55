import type { Wrtc, WrtcMediaStream, WrtcMediaStreamTrack, WrtcPeerConnection, WrtcPeerConnectionConfig } from '../engine/wrtc.ts';
import type { MixerOutputs } from './room-mixer.ts';
import { offerSends, sdpSections, withBandwidth } from './sdp.ts';

export interface McuPeerOptions {
  wrtc: Pick<Wrtc, 'RTCPeerConnection' | 'MediaStream'>;
  /** What this participant receives: their mix-minus and composite. */
  outputs: MixerOutputs;
  /** A decoded track from the participant arrived (a new one replaces the previous of its kind). */
  onInput: (track: WrtcMediaStreamTrack) => void;
  /** The participant no longer sends this kind (their offer stopped sending it). */
  onInputEnded: (kind: 'audio' | 'video') => void;
  onConnectionStateChange?: (state: WrtcPeerConnection['connectionState']) => void;
  /** Cap on the composite's bitrate (b=AS on our sending side). */
  videoBitrateBps?: number;
  /** How long to wait for our ICE candidates before answering without the missing ones. Default 5 s. */
  gatherTimeoutMs?: number;
  configuration?: WrtcPeerConnectionConfig;
}

export class McuPeerClosedError extends Error {
  readonly code = 'MCU_PEER_CLOSED';
  constructor() {
    super('the MCU peer connection is closed');
    this.name = 'McuPeerClosedError';
  }
}

export class McuPeerUnsupportedError extends Error {
  readonly code = 'UNSUPPORTED_CODEC';
  constructor(readonly sections: string[]) {
    super(`the MCU cannot decode or encode any codec offered for ${sections.join('; ')}`);
    this.name = 'McuPeerUnsupportedError';
  }
}

/** What @roamhq/wrtc 0.10 decodes and encodes: the media codecs of its own offers (rtx, red, FEC, CN and DTMF aside). */
const ENGINE_CODECS: Record<string, ReadonlySet<string>> = {
  audio: new Set(['opus', 'isac', 'g722', 'ilbc', 'pcmu', 'pcma']),
  video: new Set(['vp8', 'vp9', 'av1']),
};

/** The offer's live audio/video sections (RFC 8866 §5.14; port 0 is rejected) that offer no codec the engine has, e.g. "video (H265)". */
function unsupportedSections(sdp: string): string[] {
  const out: string[] = [];
  for (const section of sdp.split(/\r?\n(?=m=)/).filter((s) => s.startsWith('m='))) {
    const [kind = '', port = ''] = section.slice(2).split(/\s/, 2);
    const known = ENGINE_CODECS[kind];
    if (!known || port === '0') continue;
    const codecs = [...section.matchAll(/^a=rtpmap:\d+ ([^/\s]+)/gm)].map((m) => m[1]!);
    if (!codecs.some((c) => known.has(c.toLowerCase()))) out.push(`${kind} (${codecs.join(', ') || 'no codec'})`);
  }
  return out;
}

/**
 * One participant's connection to the MCU. The participant offers (an audio and a video section, each
 * sending their microphone/camera if they have one and receiving the mix); we answer with the mix-minus and
 * the composite on those sections, after gathering every candidate (no trickle: wrtc is a full ICE agent,
 * and a browser reaches our host candidates, learning the browser's as peer-reflexive).
 */
export class McuPeer {
  readonly pc: WrtcPeerConnection;
  readonly #options: McuPeerOptions;
  readonly #stream: WrtcMediaStream;
  readonly #added = new Set<'audio' | 'video'>();
  readonly #inputs = new Map<'audio' | 'video', WrtcMediaStreamTrack>();
  #chain: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: McuPeerOptions) {
    this.#options = options;
    this.pc = new options.wrtc.RTCPeerConnection({ bundlePolicy: 'max-bundle', ...options.configuration });
    this.#stream = new options.wrtc.MediaStream();
    this.pc.ontrack = ({ track }) => {
      if (this.#closed || this.#inputs.get(track.kind) === track) return;
      this.#inputs.set(track.kind, track);
      options.onInput(track);
    };
    this.pc.onconnectionstatechange = () => options.onConnectionStateChange?.(this.pc.connectionState);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Answers one offer (negotiations run one at a time); resolves with the answer SDP, candidates included. */
  answer(offerSdp: string): Promise<string> {
    const next = this.#chain.then(() => this.#answer(offerSdp));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #answer(offerSdp: string): Promise<string> {
    if (this.#closed) throw new McuPeerClosedError();
    // Checked before the engine sees it: libwebrtc fails such an offer half-applied and its session stays broken.
    const unsupported = unsupportedSections(offerSdp);
    if (unsupported.length > 0) throw new McuPeerUnsupportedError(unsupported);
    const { videoBitrateBps } = this.#options;
    const offer = videoBitrateBps ? withBandwidth(offerSdp, 'video', videoBitrateBps / 1000) : offerSdp;
    try {
      await this.pc.setRemoteDescription({ type: 'offer', sdp: offer });
    } catch (err) {
      // Refused whole, the connection is as it was; refused half-way, the engine's session is broken for good (not
      // even a rollback is accepted): close it, so later offers fail as closed instead of with the same engine error.
      if ((this.pc as { signalingState?: string }).signalingState !== 'stable') this.close();
      throw err;
    }
    // addTrack takes the transceiver the offer made for that kind (never used to send yet): our output goes there.
    for (const kind of ['audio', 'video'] as const) {
      if (this.#added.has(kind)) continue;
      this.pc.addTrack(this.#options.outputs[kind], this.#stream);
      this.#added.add(kind);
    }
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await this.#gathered();
    if (this.#closed) throw new McuPeerClosedError();
    const sending = new Set(sdpSections(offerSdp).filter(offerSends).map((s) => s.kind));
    for (const kind of ['audio', 'video'] as const) {
      if (sending.has(kind) || !this.#inputs.has(kind)) continue;
      this.#inputs.delete(kind);
      this.#options.onInputEnded(kind);
    }
    return this.pc.localDescription?.sdp ?? '';
  }

  async #gathered(): Promise<void> {
    const deadline = Date.now() + (this.#options.gatherTimeoutMs ?? 5000);
    while (!this.#closed && this.pc.iceGatheringState !== 'complete' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  /** Closes the connection (the engine crashes at exit if one stays open). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.pc.ontrack = null;
    this.pc.onconnectionstatechange = null;
    this.pc.close();
  }
}
