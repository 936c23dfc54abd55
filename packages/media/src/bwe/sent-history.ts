/** What we remember about a packet we sent until its feedback arrives. */
export interface SentPacket {
  size: number;
  sentMs: number;
}

export interface SentPacketHistoryOptions {
  /** Packets kept at most. Well under 2^15, so a 16-bit transport sequence number names one packet only. */
  maxPackets?: number;
  /** Packets sent longer ago than this (before the newest) are forgotten. */
  maxAgeMs?: number;
}

const DEFAULT_MAX_PACKETS = 5000;
const DEFAULT_MAX_AGE_MS = 5000;

/**
 * The sender's bounded record of transport-wide sequence numbers in flight. A Map iterates in insertion order,
 * which is send order, so the oldest entry is always the first one.
 */
export class SentPacketHistory {
  readonly #maxPackets: number;
  readonly #maxAgeMs: number;
  readonly #packets = new Map<number, SentPacket>();

  constructor(options: SentPacketHistoryOptions = {}) {
    this.#maxPackets = Math.min(0x4000, Math.max(1, options.maxPackets ?? DEFAULT_MAX_PACKETS));
    this.#maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  }

  get size(): number {
    return this.#packets.size;
  }

  add(transportSeq: number, size: number, sentMs: number): void {
    const seq = transportSeq & 0xffff;
    this.#packets.delete(seq); // a reused number moves to the back
    this.#packets.set(seq, { size, sentMs });
    for (const [oldSeq, oldest] of this.#packets) {
      if (this.#packets.size <= this.#maxPackets && sentMs - oldest.sentMs <= this.#maxAgeMs) break;
      this.#packets.delete(oldSeq);
    }
  }

  /** Removes and returns the packet, so that feedback reporting it twice counts it once. */
  take(transportSeq: number): SentPacket | undefined {
    const seq = transportSeq & 0xffff;
    const packet = this.#packets.get(seq);
    if (packet !== undefined) this.#packets.delete(seq);
    return packet;
  }
}
