/** Bytes of one slab: about two hundred full-size packets before memory is reused. */
export const SEND_RING_SLAB_BYTES = 256 * 1024;

/**
 * Memory for datagrams the SFU builds only to send at once (forwarded RTP), taken in turn from one slab and reused
 * when the slab wraps, instead of a new allocation per packet. Node's pool would hand out the same kind of slices
 * but take a fresh 8 KiB ArrayBuffer every few packets: at tens of thousands of packets a second that external
 * memory is what drove full (mark-compact) garbage collections several times a second.
 *
 * Safe because a UDP send normally completes inside `socket.send` (the kernel copies the datagram). When the kernel
 * queue is full, Node queues the send with a reference to our memory; the endpoint sees the queue and `retire`s
 * the slab, so the bytes of a queued datagram are never written again. TCP sends copy. A buffer from `alloc` is
 * valid until the next send of this endpoint's socket returns; whoever keeps one longer must copy it.
 */
export class SendRing {
  #slab: Buffer;
  #offset = 0;
  /** Slabs given up because a send was queued with their memory (kernel send buffer full). */
  retired = 0;

  constructor(readonly slabBytes = SEND_RING_SLAB_BYTES) {
    this.#slab = Buffer.allocUnsafeSlow(slabBytes);
  }

  /**
   * `size` bytes followed by at least `tailRoom` writable bytes of the same memory, 8-byte aligned (the SRTP
   * transform XORs words).
   */
  alloc(size: number, tailRoom = 0): Buffer {
    const span = (size + tailRoom + 7) & ~7;
    if (span > this.slabBytes) return Buffer.allocUnsafeSlow(size + tailRoom).subarray(0, size);
    if (this.#offset + span > this.slabBytes) this.#offset = 0;
    const out = this.#slab.subarray(this.#offset, this.#offset + size);
    this.#offset += span;
    return out;
  }

  /** A send was queued with memory of this slab: continue in a new one (the old one lives as long as the queue). */
  retire(): void {
    this.#slab = Buffer.allocUnsafeSlow(this.slabBytes);
    this.#offset = 0;
    this.retired++;
  }
}
