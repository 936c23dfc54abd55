import { seqDiff } from '../seq.ts';

/** What we remember about a packet we sent until its feedback arrives. */
export interface SentPacket {
  size: number;
  sentMs: number;
}

export interface SentPacketHistoryOptions {
  /** Packets kept at most (the newest ones). Well under 2^15, so a 16-bit transport sequence number names one packet only. */
  maxPackets?: number;
  /** Packets sent longer ago than this (before the newest) are forgotten. */
  maxAgeMs?: number;
}

/** 2000 packets: 5 s at 400 packets/s, a subscriber receiving ~4 Mbit/s. */
const DEFAULT_MAX_PACKETS = 2000;
const DEFAULT_MAX_AGE_MS = 5000;

/**
 * The sender's bounded record of transport-wide sequence numbers in flight: a ring of typed arrays indexed by the
 * sequence number, since we number our own packets consecutively. Recording a packet allocates nothing (this runs
 * for every packet the SFU sends); a slot whose number is not the one asked for has been overwritten.
 */
export class SentPacketHistory {
  readonly #maxPackets: number;
  readonly #maxAgeMs: number;
  readonly #mask: number;
  readonly #seqs: Int32Array;
  readonly #sizes: Uint32Array;
  readonly #sent: Float64Array;
  #newestSeq = -1;
  #newestMs = 0;

  constructor(options: SentPacketHistoryOptions = {}) {
    this.#maxPackets = Math.min(0x4000, Math.max(1, options.maxPackets ?? DEFAULT_MAX_PACKETS));
    this.#maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    const capacity = 2 ** Math.ceil(Math.log2(this.#maxPackets));
    this.#mask = capacity - 1;
    this.#seqs = new Int32Array(capacity).fill(-1);
    this.#sizes = new Uint32Array(capacity);
    this.#sent = new Float64Array(capacity);
  }

  /** Packets that could still be taken (a scan: for tests and metrics, not the packet path). */
  get size(): number {
    let n = 0;
    for (const seq of this.#seqs) if (seq >= 0 && this.#live(seq & this.#mask, seq)) n++;
    return n;
  }

  add(transportSeq: number, size: number, sentMs: number): void {
    const seq = transportSeq & 0xffff;
    const slot = seq & this.#mask;
    this.#seqs[slot] = seq;
    this.#sizes[slot] = size;
    this.#sent[slot] = sentMs;
    this.#newestSeq = seq;
    this.#newestMs = sentMs;
  }

  /** Removes and returns the packet, so that feedback reporting it twice counts it once. */
  take(transportSeq: number): SentPacket | undefined {
    const seq = transportSeq & 0xffff;
    const slot = seq & this.#mask;
    if (this.#seqs[slot] !== seq || !this.#live(slot, seq)) return undefined;
    this.#seqs[slot] = -1;
    return { size: this.#sizes[slot] as number, sentMs: this.#sent[slot] as number };
  }

  #live(slot: number, seq: number): boolean {
    const behind = seqDiff(this.#newestSeq, seq);
    return behind >= 0 && behind < this.#maxPackets && this.#newestMs - (this.#sent[slot] as number) <= this.#maxAgeMs;
  }
}
