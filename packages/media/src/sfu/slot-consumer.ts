import { addSeq, addTimestamp, isNewerSeq, isNewerTimestamp, seqDiff } from '../seq.ts';
import type { PacketInfo, Producer } from './producer.ts';
import type { ProducerSink } from './types.ts';
import { checkForwardedStream, freshPacket, writeForwarded, type PacketAllocator } from './write-forwarded.ts';

export interface SlotConsumerOptions {
  id: string;
  /** SSRC and payload type of the subscriber's slot section (fixed for the slot's life: no renegotiation on a switch). */
  ssrc: number;
  payloadType: number;
  /** RTP clock rate of the slot's codec (Opus: 48 kHz, RFC 7587 §4.1). */
  clockRate?: number;
  /** As for `Consumer`: the one header extension every forwarded packet carries, transport-wide sequence numbers. */
  transportCcExtensionId?: number;
  send: (packet: Buffer, offsetOfTransportSeq: number) => void;
  allocate?: PacketAllocator;
  initialSequenceNumber?: number;
  initialTimestamp?: number;
  now?: () => number;
}

export interface SlotConsumerStats {
  packetsForwarded: number;
  bytesForwarded: number;
  /** Times the slot started forwarding another source. */
  switches: number;
  /** Packets of the current source older than its first forwarded one (their numbers are taken). */
  dropped: number;
}

/**
 * Opus at 20 ms per packet (what browsers send): the least a switch advances the output timestamp, so the new
 * source's first packet never overlaps the last one of the old source in the subscriber's jitter buffer.
 */
const MIN_SWITCH_GAP_MS = 20;

/**
 * One audio slot of a subscriber in an audio-only room: a fixed output stream (SSRC, payload type) whose source
 * producer the router changes to whoever is among the loudest. Opus frames are independent, so a switch happens at
 * any packet boundary: the new source's first packet continues the output's sequence numbers (+1) and timestamps
 * (+ the wall-clock gap, at least one frame), like a publisher that paused. Neither decoding nor renegotiation.
 * NACKs are not answered: browsers do not negotiate them for Opus.
 */
export class SlotConsumer implements ProducerSink {
  readonly id: string;
  readonly ssrc: number;
  readonly stats: Readonly<SlotConsumerStats> = { packetsForwarded: 0, bytesForwarded: 0, switches: 0, dropped: 0 };
  readonly #s = this.stats as SlotConsumerStats;
  readonly #options: SlotConsumerOptions;
  readonly #allocate: PacketAllocator;
  readonly #payloadType: number;
  readonly #tccId: number;
  readonly #clockRate: number;
  readonly #now: () => number;
  #source: Producer | null = null;
  #closed = false;
  /** False until the source's next packet re-anchors the output. */
  #synced = false;
  #started = false;
  #sourceSsrc = -1;
  #anchorSeq = 0;
  #seqOffset = 0;
  #tsOffset = 0;
  #maxOutSeq: number;
  #maxOutTs: number;
  #lastAt = 0;

  constructor(options: SlotConsumerOptions) {
    this.#tccId = checkForwardedStream(options.ssrc, options.payloadType, options.transportCcExtensionId);
    this.id = options.id;
    this.ssrc = options.ssrc;
    this.#options = options;
    this.#allocate = options.allocate ?? freshPacket;
    this.#payloadType = options.payloadType;
    this.#clockRate = options.clockRate ?? 48_000;
    this.#now = options.now ?? (() => performance.now());
    // RFC 3550 §5.1: random initial values.
    this.#maxOutSeq = addSeq(options.initialSequenceNumber ?? Math.floor(Math.random() * 0x1_0000), -1);
    this.#maxOutTs = options.initialTimestamp ?? Math.floor(Math.random() * 0x1_0000_0000);
  }

  get source(): Producer | null {
    return this.#source;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Forwards `producer` from its next packet on (null: silence). A closed producer leaves the slot empty. */
  setSource(producer: Producer | null): void {
    if (this.#closed || producer === this.#source) return;
    this.#source?.removeConsumer(this);
    this.#source = null;
    this.#synced = false;
    if (!producer || producer.closed) return;
    producer.addConsumer(this);
    this.#source = producer;
  }

  close(): void {
    if (this.#closed) return;
    this.setSource(null);
    this.#closed = true;
  }

  /** @internal */
  producerClosed(): void {
    this.#source = null;
    this.#synced = false;
  }

  /** @internal Opus needs no key frame: nothing to do. */
  producerResumed(): void {}

  /** @internal The per-packet path: arithmetic on numbers, one packet from the allocator. */
  forward(packet: Buffer, info: PacketInfo): void {
    if (this.#closed || info.payloadEnd === info.payloadOffset) return;
    const seq = info.sequenceNumber;
    if (!this.#synced || info.ssrc !== this.#sourceSsrc) this.#anchor(info);
    else if (seqDiff(seq, this.#anchorSeq) < 0) {
      this.#s.dropped++;
      return;
    }
    const outSeq = addSeq(seq, this.#seqOffset);
    const outTs = addTimestamp(info.timestamp, this.#tsOffset);
    const out = writeForwarded(packet, info, this.ssrc, this.#payloadType, outSeq, outTs, this.#tccId, -1, -1, 'opus', this.#allocate);
    if (isNewerSeq(outSeq, this.#maxOutSeq)) this.#maxOutSeq = outSeq;
    if (!isNewerTimestamp(this.#maxOutTs, outTs)) {
      this.#maxOutTs = outTs;
      this.#lastAt = info.receivedAt;
    }
    this.#s.packetsForwarded++;
    this.#s.bytesForwarded += out.length;
    // RFC 8285: the extension header (4 bytes), then the element's id byte (one-byte form) or id + length.
    this.#options.send(out, this.#tccId < 0 ? -1 : 12 + info.csrcCount * 4 + 4 + (this.#tccId <= 14 ? 1 : 2));
  }

  /** This packet continues the output: sequence + 1, timestamp + the wall-clock gap (at least one frame). */
  #anchor(info: PacketInfo): void {
    let outTs = this.#maxOutTs;
    if (this.#started) {
      const gapMs = Math.max(MIN_SWITCH_GAP_MS, this.#now() - this.#lastAt);
      outTs = addTimestamp(outTs, Math.round((gapMs * this.#clockRate) / 1000));
      this.#s.switches++;
    }
    this.#seqOffset = addSeq(addSeq(this.#maxOutSeq, 1), -info.sequenceNumber);
    this.#tsOffset = addTimestamp(outTs, -info.timestamp);
    this.#anchorSeq = info.sequenceNumber;
    this.#sourceSsrc = info.ssrc;
    this.#started = true;
    this.#synced = true;
  }
}
