/**
 * Stand-ins for RTCDataChannel and Room, for unit tests in Node: a pair of channels that
 * deliver in order, a limited number of bytes per tick (so backpressure really engages), and
 * flush pending messages before a close, as webrtc-pc §6.2 asks. Not exported by the SDK.
 */
import { Emitter } from '../emitter.ts';
import type { FileTransferRoom } from './transfers.ts';

type Payload = string | ArrayBuffer;

export class FakeChannel extends EventTarget {
  readonly label: string;
  readyState: RTCDataChannelState = 'connecting';
  binaryType: BinaryType = 'blob';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  /** Highest bufferedAmount seen (tests check backpressure with it). */
  maxBufferedAmount = 0;
  peer: FakeChannel | undefined;
  /** Changes or drops (undefined) each message on its way. */
  transform: ((data: Payload) => Payload | undefined) | undefined;
  readonly #queue: Array<{ data: Payload; size: number }> = [];
  #pumping = false;
  readonly #bytesPerTick: number;

  constructor(label: string, bytesPerTick = 256 * 1024) {
    super();
    this.label = label;
    this.#bytesPerTick = bytesPerTick;
  }

  open(): void {
    this.readyState = 'open';
    this.dispatchEvent(new Event('open'));
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    if (this.readyState !== 'open') throw new DOMException('channel is not open', 'InvalidStateError');
    let payload: Payload;
    if (typeof data === 'string') payload = data;
    else if (data instanceof ArrayBuffer) payload = data.slice(0);
    else payload = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer;
    const size = typeof payload === 'string' ? payload.length : payload.byteLength;
    this.bufferedAmount += size;
    this.maxBufferedAmount = Math.max(this.maxBufferedAmount, this.bufferedAmount);
    this.#queue.push({ data: payload, size });
    this.#pump();
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    setTimeout(() => {
      this.#pumping = false;
      let budget = this.#bytesPerTick;
      while (this.#queue.length && budget > 0) {
        const { data, size } = this.#queue.shift()!;
        budget -= size;
        const before = this.bufferedAmount;
        this.bufferedAmount -= size;
        const out = this.transform ? this.transform(data) : data;
        if (out !== undefined) this.peer?.deliver(out);
        if (before > this.bufferedAmountLowThreshold && this.bufferedAmount <= this.bufferedAmountLowThreshold) this.dispatchEvent(new Event('bufferedamountlow'));
      }
      if (this.#queue.length) this.#pump();
      else if (this.readyState === 'closing') this.#closed();
    }, 0);
  }

  deliver(data: Payload): void {
    if (this.readyState !== 'open') return;
    const e = new Event('message');
    Object.assign(e, { data });
    this.dispatchEvent(e);
  }

  close(): void {
    if (this.readyState === 'closing' || this.readyState === 'closed') return;
    this.readyState = 'closing';
    if (!this.#queue.length) this.#pump();
  }

  /** The transport went away: no flush. */
  drop(): void {
    this.#queue.length = 0;
    this.readyState = 'closed';
  }

  #closed(): void {
    this.readyState = 'closed';
    this.dispatchEvent(new Event('close'));
    const peer = this.peer;
    if (peer && peer.readyState !== 'closed') {
      peer.readyState = 'closed';
      peer.dispatchEvent(new Event('close'));
    }
  }
}

type FakeRoomEvents = {
  dataChannelOpened: [participant: { id: string; name: string }, channel: RTCDataChannel];
  participantLeft: [participant: { id: string }, reason: string];
  disconnected: [error: unknown];
};

interface FakeParticipant {
  id: string;
  name: string;
  peer: { closed: boolean; pc: RTCPeerConnection };
  room: FakeRoom;
}

export class FakeRoom extends Emitter<FakeRoomEvents> implements FileTransferRoom {
  readonly id: string;
  readonly name: string;
  readonly participants = new Map<string, FakeParticipant>();
  readonly channels: FakeChannel[] = [];
  bytesPerTick = 256 * 1024;

  constructor(id: string, name = id) {
    super();
    this.id = id;
    this.name = name;
  }

  fire<K extends keyof FakeRoomEvents>(event: K, ...args: FakeRoomEvents[K]): void {
    this.emit(event, ...args);
  }

  createDataChannel(participantId: string, label: string): RTCDataChannel {
    const p = this.participants.get(participantId);
    if (!p || p.peer.closed) throw new Error(`no direct connection to "${participantId}"`);
    const local = new FakeChannel(label, this.bytesPerTick);
    const remote = new FakeChannel(label, p.room.bytesPerTick);
    local.peer = remote;
    remote.peer = local;
    this.channels.push(local);
    p.room.channels.push(remote);
    setTimeout(() => {
      remote.readyState = 'open';
      p.room.fire('dataChannelOpened', { id: this.id, name: this.name }, remote as unknown as RTCDataChannel);
      local.open();
    }, 0);
    return local as unknown as RTCDataChannel;
  }
}

/** Puts every room in the others' participant lists. */
export function connectRooms(...rooms: FakeRoom[]): void {
  for (const a of rooms) for (const b of rooms) if (a !== b) a.participants.set(b.id, { id: b.id, name: b.name, peer: { closed: false, pc: { sctp: null } as unknown as RTCPeerConnection }, room: b });
}

/** `leaver` leaves: the others drop it (its channels die without a flush) and hear participantLeft, as Room does. */
export function leave(leaver: FakeRoom, others: FakeRoom[]): void {
  for (const ch of leaver.channels) ch.drop();
  for (const room of others) {
    const p = room.participants.get(leaver.id);
    if (!p) continue;
    room.participants.delete(leaver.id);
    p.peer.closed = true;
    for (const ch of room.channels) if (ch.peer && leaver.channels.includes(ch.peer)) ch.drop();
    room.fire('participantLeft', { id: leaver.id }, 'left');
  }
  leaver.fire('disconnected', undefined);
}
