import type { IceCandidateInit } from '@parley/protocol';

/** The label of the channel every mesh pair has (chat and control messages). */
export const CONTROL_LABEL = 'parley';

export interface PeerSignals {
  description(description: { type: 'offer' | 'answer'; sdp: string }): void;
  candidate(candidate: IceCandidateInit | null): void;
}

export interface MeshPeerOptions {
  remoteId: string;
  /** Perfect negotiation role: the polite peer yields on offer collisions. */
  polite: boolean;
  /** The side that starts negotiation (the newcomer) adds its tracks and a data channel at once. */
  initiator: boolean;
  configuration: RTCConfiguration;
  signals: PeerSignals;
  localTracks: Array<{ track: MediaStreamTrack; stream: MediaStream }>;
  /** A channel the remote side opened (other than the control channel). */
  onDataChannel?: (channel: RTCDataChannel) => void;
  /** The control channel is open (either side created it). */
  onControlChannel?: (channel: RTCDataChannel) => void;
  /** How long `disconnected` may last before an ICE restart. */
  disconnectedRestartMs?: number;
  log?: (message: string, detail?: unknown) => void;
}

/**
 * One RTCPeerConnection to one remote participant, negotiated with the W3C "perfect negotiation"
 * pattern (https://w3c.github.io/webrtc-pc/#perfect-negotiation-example): either side may
 * renegotiate at any time; on a collision the polite side rolls back and the impolite side wins.
 */
export class MeshPeer {
  readonly pc: RTCPeerConnection;
  readonly remoteId: string;
  readonly polite: boolean;
  /** The channel chat and control messages will use (created by the initiator). */
  dataChannel: RTCDataChannel | undefined;
  iceRestarts = 0;
  #makingOffer = false;
  #ignoreOffer = false;
  #settingRemoteAnswerPending = false;
  #pendingTracks: MeshPeerOptions['localTracks'] | undefined;
  readonly #senders = new Map<MediaStreamTrack, RTCRtpSender>();
  #chain: Promise<void> = Promise.resolve();
  #disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #options: MeshPeerOptions;

  constructor(options: MeshPeerOptions) {
    this.#options = options;
    this.remoteId = options.remoteId;
    this.polite = options.polite;
    this.pc = new RTCPeerConnection(options.configuration);
    const pc = this.pc;
    pc.onnegotiationneeded = () => void this.#negotiate();
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) options.signals.candidate(candidate.toJSON() as IceCandidateInit);
    };
    pc.oniceconnectionstatechange = () => this.#onIceState();
    pc.ondatachannel = ({ channel }) => {
      if (channel.label === CONTROL_LABEL && !this.dataChannel) this.#control(channel);
      else options.onDataChannel?.(channel);
    };
    if (options.initiator) {
      for (const t of options.localTracks) this.addTrack(t.track, t.stream);
      this.#control(pc.createDataChannel(CONTROL_LABEL));
    } else {
      // Add ours while answering the first offer, so that one offer/answer carries both directions.
      this.#pendingTracks = options.localTracks;
    }
  }

  #control(channel: RTCDataChannel): void {
    this.dataChannel = channel;
    const announce = () => this.#options.onControlChannel?.(channel);
    if (channel.readyState === 'open') announce();
    else channel.addEventListener('open', announce, { once: true });
  }

  /** Opens another data channel to this participant (files, ...). Needs the control channel's SCTP association. */
  createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
    if (label === CONTROL_LABEL) throw new TypeError(`"${CONTROL_LABEL}" is reserved`);
    return this.pc.createDataChannel(label, init);
  }

  get closed(): boolean {
    return this.#closed;
  }

  #log(message: string, detail?: unknown): void {
    this.#options.log?.(`[${this.remoteId}] ${message}`, detail);
  }

  async #negotiate(): Promise<void> {
    if (this.#closed) return;
    try {
      this.#makingOffer = true;
      await this.pc.setLocalDescription();
      const d = this.pc.localDescription;
      if (d && (d.type === 'offer' || d.type === 'answer')) this.#options.signals.description({ type: d.type, sdp: d.sdp });
    } catch (err) {
      this.#log('negotiation failed', err);
    } finally {
      this.#makingOffer = false;
    }
  }

  /** Runs signaling steps one at a time, in arrival order. */
  #enqueue(step: () => Promise<void>): Promise<void> {
    this.#chain = this.#chain.then(step).catch((err: unknown) => this.#log('signaling step failed', err));
    return this.#chain;
  }

  handleDescription(description: { type: 'offer' | 'answer'; sdp: string }): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#closed) return;
      const pc = this.pc;
      const readyForOffer = !this.#makingOffer && (pc.signalingState === 'stable' || this.#settingRemoteAnswerPending);
      const offerCollision = description.type === 'offer' && !readyForOffer;
      this.#ignoreOffer = !this.polite && offerCollision;
      if (this.#ignoreOffer) return;
      this.#settingRemoteAnswerPending = description.type === 'answer';
      await pc.setRemoteDescription(description);
      this.#settingRemoteAnswerPending = false;
      if (description.type === 'offer') {
        const pending = this.#pendingTracks;
        this.#pendingTracks = undefined;
        for (const t of pending ?? []) this.addTrack(t.track, t.stream);
        await pc.setLocalDescription();
        const d = pc.localDescription;
        if (d) this.#options.signals.description({ type: 'answer', sdp: d.sdp });
      }
    });
  }

  handleCandidate(candidate: IceCandidateInit | null): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#closed || candidate === null) return;
      try {
        await this.pc.addIceCandidate(candidate as RTCIceCandidateInit);
      } catch (err) {
        if (!this.#ignoreOffer) this.#log('addIceCandidate failed', err);
      }
    });
  }

  addTrack(track: MediaStreamTrack, stream: MediaStream): void {
    if (this.#closed || this.#senders.has(track)) return;
    if (this.#pendingTracks) {
      this.#pendingTracks.push({ track, stream });
      return;
    }
    const sender = this.pc.addTrack(track, stream);
    this.#senders.set(track, sender);
    capMeshResolution(sender, track);
  }

  removeTrack(track: MediaStreamTrack): void {
    if (this.#pendingTracks) this.#pendingTracks = this.#pendingTracks.filter((t) => t.track !== track);
    const sender = this.#senders.get(track);
    if (!sender || this.#closed) return;
    this.#senders.delete(track);
    this.pc.removeTrack(sender);
  }

  /** Swaps a track without renegotiation (same kind). */
  async replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack): Promise<void> {
    const sender = this.#senders.get(oldTrack);
    if (!sender) return;
    await sender.replaceTrack(newTrack);
    this.#senders.delete(oldTrack);
    this.#senders.set(newTrack, sender);
  }

  restartIce(): void {
    if (this.#closed) return;
    this.iceRestarts++;
    this.#log('ICE restart');
    this.pc.restartIce();
  }

  #onIceState(): void {
    const state = this.pc.iceConnectionState;
    clearTimeout(this.#disconnectedTimer);
    this.#disconnectedTimer = undefined;
    if (state === 'failed') this.restartIce();
    else if (state === 'disconnected') {
      this.#disconnectedTimer = setTimeout(() => {
        if (this.pc.iceConnectionState === 'disconnected') this.restartIce();
      }, this.#options.disconnectedRestartMs ?? 3000);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#disconnectedTimer);
    this.pc.onnegotiationneeded = null;
    this.pc.onicecandidate = null;
    this.pc.oniceconnectionstatechange = null;
    this.pc.close();
  }
}

/**
 * A mesh sends one copy of the camera to every peer: cap each copy at 360 lines (the SFU gets the full capture as
 * three simulcast layers instead). A 720p camera then costs a mesh participant a quarter of the encoding and
 * uplink per peer. Screen shares (they have a displaySurface) keep their resolution: text must stay readable.
 */
export const MESH_MAX_HEIGHT = 360;

function capMeshResolution(sender: RTCRtpSender, track: MediaStreamTrack): void {
  const settings = track.getSettings() as MediaTrackSettings & { displaySurface?: string };
  const height = settings.height ?? 0;
  if (track.kind !== 'video' || settings.displaySurface !== undefined || height <= MESH_MAX_HEIGHT * 1.1) return;
  const params = sender.getParameters();
  const [encoding] = params.encodings ?? [];
  if (!encoding) return;
  encoding.scaleResolutionDownBy = height / MESH_MAX_HEIGHT;
  sender.setParameters(params).catch(() => undefined);
}
