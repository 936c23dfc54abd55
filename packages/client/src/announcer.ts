import type { MediaSourceKind } from './participant.ts';
import type { SignalClient } from './signal-client.ts';
import type { MediaState } from './sfu/media-state.ts';

/**
 * Tells everyone what our published streams carry (camera or screen) and whether microphone and camera are on:
 * over each open control data channel (mesh), and through the server (every topology, replayed on resume), the
 * latter only when it changed. It also keeps the control channels by participant, for whoever needs to send.
 */
export class MediaStateAnnouncer {
  /** What each published stream carries (stream id → source). */
  readonly sources = new Map<string, MediaSourceKind>();
  readonly #channels = new Map<string, RTCDataChannel>();
  readonly #signal: SignalClient;
  #state = { audio: true, video: true };
  #sent = '';

  constructor(signal: SignalClient) {
    this.#signal = signal;
  }

  current(): MediaState {
    return { ...this.#state, sources: Object.fromEntries([...this.sources].slice(0, 16)) };
  }

  setMediaState(state: { audio: boolean; video: boolean }): void {
    this.#state = { ...state };
    this.announce();
  }

  /** To every open control channel, and to the server when it changed. */
  announce(): void {
    const message = this.#message();
    for (const channel of this.#channels.values()) if (channel.readyState === 'open') channel.send(message);
    this.sendToServer(false);
  }

  /** The announcement through the server; `force` after a fresh welcome (a new session knows nothing yet). */
  sendToServer(force: boolean): void {
    if (this.#signal.state !== 'connected') return; // the next welcome sends it
    const state = this.current();
    const key = JSON.stringify(state);
    if (!force && key === this.#sent) return;
    this.#sent = key;
    this.#signal.send({ type: 'mediaState', ...state });
  }

  /** A control channel to `participantId` opened: it hears the current state at once. */
  addChannel(participantId: string, channel: RTCDataChannel): void {
    this.#channels.set(participantId, channel);
    channel.send(this.#message());
    channel.addEventListener('close', () => {
      if (this.#channels.get(participantId) === channel) this.#channels.delete(participantId);
    });
  }

  forget(participantId: string): void {
    this.#channels.delete(participantId);
  }

  /** Sends on the open control channel to `participantId`; false when there is none. */
  sendControl(participantId: string, message: string): boolean {
    const channel = this.#channels.get(participantId);
    if (channel?.readyState !== 'open') return false;
    channel.send(message);
    return true;
  }

  #message(): string {
    return JSON.stringify({ t: 'sources', ...this.current() });
  }
}
