/**
 * A ring of the most recent packets of one SSRC, indexed by sequence number, for answering NACKs
 * (RFC 4585 §6.2.1). Packets are copied into one byte ring per cache rather than kept by reference: a kept
 * datagram lives for a second or more, long enough for V8 to promote it (and its ArrayBuffer) to the old
 * generation, and at tens of thousands of packets a second those promotions drove a full GC every ~0.7 s.
 * A copy of 1,200 bytes costs far less than that. The ring starts small and doubles (up to `capacity`
 * full-size packets) while it is too small to hold the last `capacity` packets.
 */
const MAX_PACKET = 1500;
const MIN_RING = 16 * 1024;

export class PacketCache {
  readonly #mask: number;
  /** The sequence number each slot holds, or -1 when empty. */
  readonly #seqs: Int32Array;
  /** Where each slot's bytes start, counted from the first byte ever written (positions are never reused). */
  readonly #starts: Float64Array;
  readonly #lengths: Uint16Array;
  readonly #maxRing: number;
  /** Where each of the last `capacity` writes started, by write count: what the ring must hold before it may stop growing. */
  readonly #writeStarts: Float64Array;
  #writes = 0;
  #ring: Buffer;
  /** Absolute position of the next write; a slot is intact while `#end - start <= ring length`. */
  #end = 0;
  #size = 0;

  /** `capacity` must be a power of two so that a slot is `seq & (capacity - 1)` (the 16-bit space divides evenly). */
  constructor(capacity = 512) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 0x1_0000 || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`packet cache capacity ${capacity} is not a power of two in 1–65536`);
    }
    this.#mask = capacity - 1;
    this.#seqs = new Int32Array(capacity).fill(-1);
    this.#starts = new Float64Array(capacity);
    this.#lengths = new Uint16Array(capacity);
    this.#writeStarts = new Float64Array(capacity);
    this.#maxRing = Math.max(MIN_RING, capacity * MAX_PACKET);
    this.#ring = Buffer.allocUnsafeSlow(Math.min(MIN_RING, this.#maxRing));
  }

  get capacity(): number {
    return this.#mask + 1;
  }

  /** How many slots hold a packet. */
  get size(): number {
    return this.#size;
  }

  /** Bytes the ring holds (for memory accounting). */
  get ringBytes(): number {
    return this.#ring.length;
  }

  /** Copies `packet` (at most 1,500 bytes; longer ones are not kept) into the slot of `seq`; the caller may reuse its buffer. */
  put(seq: number, packet: Buffer): void {
    const slot = seq & this.#mask;
    const length = packet.length;
    if (length > MAX_PACKET) {
      this.#forget(slot);
      return;
    }
    // Grow rather than overwrite any of the last `capacity - 1` packets written.
    while (this.#ring.length < this.#maxRing && this.#writes > 0) {
      const oldest = this.#writeStarts[Math.max(0, this.#writes - this.#mask) & this.#mask] as number;
      if (this.#placeFor(length) + length - oldest <= this.#ring.length) break;
      this.#grow();
    }
    if (this.#seqs[slot] === -1) this.#size++;
    this.#write(slot, seq & 0xffff, packet, length);
  }

  /** A view of the packet with exactly this sequence number (valid until the next `put`), if still held. */
  get(seq: number): Buffer | undefined {
    const slot = seq & this.#mask;
    if (!this.has(seq)) return undefined;
    const at = (this.#starts[slot] as number) % this.#ring.length;
    return this.#ring.subarray(at, at + (this.#lengths[slot] as number));
  }

  /** Whether the packet with this sequence number is held (no allocation). */
  has(seq: number): boolean {
    const slot = seq & this.#mask;
    return this.#seqs[slot] === (seq & 0xffff) && this.#end - (this.#starts[slot] as number) <= this.#ring.length;
  }

  clear(): void {
    this.#seqs.fill(-1);
    this.#size = 0;
    this.#writes = 0;
  }

  #forget(slot: number): void {
    if (this.#seqs[slot] === -1) return;
    this.#seqs[slot] = -1;
    this.#size--;
  }

  /** The absolute position a packet of `length` bytes would start at: packets never wrap around the ring's end. */
  #placeFor(length: number): number {
    const size = this.#ring.length;
    const offset = this.#end % size;
    return offset + length > size ? this.#end + (size - offset) : this.#end;
  }

  #write(slot: number, seq: number, packet: Buffer, length: number): void {
    const start = this.#placeFor(length);
    packet.copy(this.#ring, start % this.#ring.length, 0, length);
    this.#seqs[slot] = seq;
    this.#starts[slot] = start;
    this.#lengths[slot] = length;
    this.#end = start + length;
    this.#writeStarts[this.#writes & this.#mask] = start;
    this.#writes++;
  }

  /** Doubles the ring and copies the packets still intact into it, oldest first. */
  #grow(): void {
    const old = this.#ring;
    const live: number[] = [];
    for (let slot = 0; slot <= this.#mask; slot++) {
      if (this.#seqs[slot] === -1) continue;
      if (this.#end - (this.#starts[slot] as number) <= old.length) live.push(slot);
      else this.#forget(slot);
    }
    live.sort((a, b) => (this.#starts[a] as number) - (this.#starts[b] as number));
    this.#ring = Buffer.allocUnsafeSlow(Math.min(old.length * 2, this.#maxRing));
    this.#end = 0;
    this.#writes = 0;
    for (const slot of live) {
      const at = (this.#starts[slot] as number) % old.length;
      const length = this.#lengths[slot] as number;
      this.#write(slot, this.#seqs[slot] as number, old.subarray(at, at + length), length);
    }
  }
}
