/**
 * A ring of the most recent packets of one SSRC, indexed by sequence number, for answering NACKs
 * (RFC 4585 §6.2.1) without copying: a slot holds a reference to the buffer the transport handed over.
 */
export class PacketCache {
  readonly #mask: number;
  readonly #packets: (Buffer | undefined)[];
  /** The sequence number each slot holds, or -1 when empty. */
  readonly #seqs: Int32Array;
  #size = 0;

  /** `capacity` must be a power of two so that a slot is `seq & (capacity - 1)` (the 16-bit space divides evenly). */
  constructor(capacity = 512) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 0x1_0000 || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`packet cache capacity ${capacity} is not a power of two in 1–65536`);
    }
    this.#mask = capacity - 1;
    this.#packets = new Array<Buffer | undefined>(capacity).fill(undefined);
    this.#seqs = new Int32Array(capacity).fill(-1);
  }

  get capacity(): number {
    return this.#mask + 1;
  }

  /** How many slots hold a packet. */
  get size(): number {
    return this.#size;
  }

  /** Stores the reference; the caller promises never to mutate `packet` afterwards. Replaces what held the slot. */
  put(seq: number, packet: Buffer): void {
    const slot = seq & this.#mask;
    if (this.#seqs[slot] === -1) this.#size++;
    this.#seqs[slot] = seq & 0xffff;
    this.#packets[slot] = packet;
  }

  /** The packet with exactly this sequence number, if its slot has not been reused since. */
  get(seq: number): Buffer | undefined {
    const slot = seq & this.#mask;
    return this.#seqs[slot] === (seq & 0xffff) ? this.#packets[slot] : undefined;
  }

  clear(): void {
    this.#seqs.fill(-1);
    this.#packets.fill(undefined);
    this.#size = 0;
  }
}
