import { MAX_DATA_PAYLOAD_BYTES, DataFrameError, decodeDataFrame, encodeDataFrame, type DataFrame } from '@parley/protocol';
import { ParleyError } from '../errors.ts';
import type { SfuDataChannels } from '../sfu/connection.ts';

/** One message of the room data API, as the `data` event gives it. */
export interface DataMessage {
  /** The sender's participant id. */
  from: string;
  /** A string if it was sent as one, else the bytes. */
  data: string | Uint8Array;
  /** Whether it was sent reliable (ordered, retransmitted) or lossy. */
  reliable: boolean;
}

export interface SendDataOptions {
  /** Default true: ordered and retransmitted. False: unordered, never retransmitted (may be lost). */
  reliable?: boolean;
  /** Only these participants; default everyone else in the room. */
  to?: string[];
}

export interface RoomDataHost {
  /** The other participants' ids now. */
  participantIds(): string[];
  /** Whether the room can carry data now (false in `mcu` rooms, which have neither SFU nor direct connections). */
  canCarryData(): boolean;
  received(message: DataMessage): void;
  log(message: string, detail?: unknown): void;
}

/** Reliable messages waiting for a path (a connection still opening), in bytes and age. */
const PENDING_BYTES = 1024 * 1024;
const PENDING_MS = 10_000;

interface Pending {
  payload: Uint8Array;
  text: boolean;
  /** Who still has to get it. */
  to: string[];
  at: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The room data API's two paths. In SFU rooms, one message goes up the SFU connection's data channel and the server
 * relays it to the others (one copy whatever the room size). Without an open SFU channel (mesh rooms, or a switch
 * still under way) it goes over each participant's direct control channel, as a binary frame: reliable and ordered
 * there even when sent lossy. Reliable messages with no path yet wait (bounded) for one to open.
 */
export class RoomData {
  readonly #host: RoomDataHost;
  #sfu: SfuDataChannels | undefined;
  readonly #control = new Map<string, RTCDataChannel>();
  #pending: Pending[] = [];
  #pendingBytes = 0;

  constructor(host: RoomDataHost) {
    this.#host = host;
  }

  /** Sends to everyone else (or `to`). Throws RangeError over 63 KiB, ParleyError when the room carries no data. */
  send(data: string | Uint8Array, options: SendDataOptions = {}): void {
    const text = typeof data === 'string';
    const payload = text ? encoder.encode(data) : data;
    if (payload.length > MAX_DATA_PAYLOAD_BYTES) throw new RangeError(`room data messages carry at most ${MAX_DATA_PAYLOAD_BYTES} bytes, not ${payload.length}`);
    if (!this.#host.canCarryData()) throw new ParleyError('WRONG_TOPOLOGY', 'room data needs SFU or direct connections; an mcu room has neither');
    // Encode once now: a bad destination id is the caller's mistake, told at once.
    encodeDataFrame({ from: '', to: options.to ?? [], text, payload });
    const reliable = options.reliable ?? true;
    const left = this.#trySend(payload, text, reliable, options.to);
    // Lossy: no path now, no message.
    if (left.length > 0 && reliable) this.#enqueue({ payload, text, to: left, at: performance.now() });
  }

  /** A new SFU connection's data channels: they carry everything once open. */
  attachSfu(channels: SfuDataChannels): void {
    this.#sfu = channels;
    for (const [channel, reliable] of [[channels.reliable, true], [channels.lossy, false]] as const) {
      channel.binaryType = 'arraybuffer';
      channel.addEventListener('message', (e: MessageEvent) => {
        if (this.#sfu === channels) this.#onFrame(e.data, undefined, reliable);
      });
    }
    channels.reliable.addEventListener('open', () => this.#retry(), { once: true });
  }

  /** A direct control channel to one participant (mesh): binary frames on it are room data. */
  attachControl(participantId: string, channel: RTCDataChannel): void {
    this.#control.set(participantId, channel);
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('message', (e: MessageEvent) => {
      if (typeof e.data !== 'string') this.#onFrame(e.data, participantId, true);
    });
    channel.addEventListener('close', () => {
      if (this.#control.get(participantId) === channel) this.#control.delete(participantId);
    });
    this.#retry();
  }

  close(): void {
    this.#sfu = undefined;
    this.#control.clear();
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  #sfuChannel(reliable: boolean): RTCDataChannel | undefined {
    const channel = reliable ? this.#sfu?.reliable : this.#sfu?.lossy;
    return channel?.readyState === 'open' ? channel : undefined;
  }

  /** Sends where a path is open; returns the participants still without the message ([] when all have it). */
  #trySend(payload: Uint8Array, text: boolean, reliable: boolean, to: string[] | undefined): string[] {
    const sfu = this.#sfuChannel(reliable);
    if (sfu) {
      sfu.send(encodeDataFrame({ from: '', to: to ?? [], text, lossy: !reliable, payload }) as Uint8Array<ArrayBuffer>);
      return [];
    }
    const present = new Set(this.#host.participantIds());
    const targets = (to ?? [...present]).filter((id) => present.has(id));
    const frame = encodeDataFrame({ from: '', to: [], text, lossy: !reliable, payload }) as Uint8Array<ArrayBuffer>;
    return targets.filter((id) => {
      const channel = this.#control.get(id);
      if (channel?.readyState !== 'open') return true;
      channel.send(frame);
      return false;
    });
  }

  #enqueue(entry: Pending): void {
    if (this.#pendingBytes + entry.payload.length > PENDING_BYTES) throw new ParleyError('CAPACITY_EXCEEDED', 'too much room data is waiting for a connection to open');
    this.#pending.push(entry);
    this.#pendingBytes += entry.payload.length;
  }

  /** A path opened: what waits goes now (in order), minus what is too old. */
  #retry(): void {
    const waiting = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    const now = performance.now();
    for (const entry of waiting) {
      if (now - entry.at > PENDING_MS) {
        this.#host.log('room data: a message found no path within 10 s, dropped');
        continue;
      }
      const left = this.#trySend(entry.payload, entry.text, true, entry.to);
      if (left.length === 0) continue;
      this.#pending.push({ ...entry, to: left });
      this.#pendingBytes += entry.payload.length;
    }
  }

  /** `from` is the mesh peer the frame came from; on the SFU path the server names the sender. */
  #onFrame(data: unknown, from: string | undefined, channelReliable: boolean): void {
    if (!(data instanceof ArrayBuffer)) return;
    let frame: DataFrame;
    try {
      frame = decodeDataFrame(new Uint8Array(data));
    } catch (err) {
      if (err instanceof DataFrameError) this.#host.log(`room data: frame dropped (${err.code})`);
      return;
    }
    const sender = from ?? frame.from;
    if (sender === '') return;
    const reliable = from === undefined ? channelReliable : !frame.lossy;
    this.#host.received({ from: sender, data: frame.text ? decoder.decode(frame.payload) : frame.payload.slice(), reliable });
  }
}
