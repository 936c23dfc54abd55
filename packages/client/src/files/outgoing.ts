/** The sending end: header, wait for ready, stream the bytes with backpressure, trailer, wait for done. */
import { Sha256 } from './hash.ts';
import { OutgoingProtocol } from './protocol.ts';
import { channelDrained, channelOpen, Session, type SessionHost } from './session.ts';
import type { Transfer } from './transfer.ts';
import { FILE_WIRE_VERSION } from './wire.ts';

/** Bytes read from the Blob at once (then sent as several chunks). */
const READ_BLOCK_BYTES = 1 << 20;

export class OutgoingSession extends Session {
  readonly #protocol = new OutgoingProtocol();
  /** Dropped when the transfer ends, so a large file is not kept alive by a closed channel's listeners. */
  #blob: Blob | undefined;
  readonly #chunkBytes: number;

  constructor(host: SessionHost, transfer: Transfer, channel: RTCDataChannel, blob: Blob, chunkBytes: number) {
    super(host, transfer, channel);
    this.#blob = blob;
    this.#chunkBytes = chunkBytes;
    channel.bufferedAmountLowThreshold = host.options.lowWaterBytes;
  }

  async start(): Promise<void> {
    try {
      await channelOpen(this.channel, this.host.options.timeoutMs, this.ended.signal);
    } catch (err) {
      this.abort('NO_CONNECTION', `the file channel did not open: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const t = this.transfer;
    this.send({ type: 'header', version: FILE_WIRE_VERSION, id: t.id, name: t.name, size: t.size, mimeType: t.mimeType });
    this.armTimeout('answer from the receiver');
  }

  protected onMessage(data: unknown): void {
    const step = this.#protocol.onMessage(data);
    switch (step.kind) {
      case 'ready':
        this.clearTimeout();
        if (!this.host.transition(this.transfer, 'active')) return;
        void this.#stream();
        return;
      case 'done':
        this.clearTimeout();
        this.transfer._setBytesTransferred(this.transfer.size);
        this.host.progressed(this.transfer, true);
        this.complete();
        return;
      case 'ignored':
        return;
      case 'cancelled':
      case 'failed':
        this.onEndStep(step);
        return;
    }
  }

  async #stream(): Promise<void> {
    const { channel, transfer } = this;
    const signal = this.ended.signal;
    const size = transfer.size;
    const hash = new Sha256();
    let offset = 0;
    let sent = 0;
    while (offset < size) {
      let block: Uint8Array<ArrayBuffer>;
      const blob = this.#blob;
      if (!blob || signal.aborted) return;
      try {
        block = new Uint8Array(await blob.slice(offset, Math.min(size, offset + READ_BLOCK_BYTES)).arrayBuffer());
      } catch (err) {
        if (signal.aborted) return;
        this.failLocal('READ_FAILED', 'could not read the file', err);
        return;
      }
      if (signal.aborted) return;
      if (block.byteLength === 0) {
        this.failLocal('READ_FAILED', 'the file got shorter while it was being sent');
        return;
      }
      hash.update(block);
      for (let i = 0; i < block.byteLength; i += this.#chunkBytes) {
        // Backpressure: never hand the channel more than the high-water mark (W3C webrtc-pc §6.2 bufferedAmount).
        if (channel.bufferedAmount > this.host.options.highWaterBytes) await channelDrained(channel, signal);
        if (signal.aborted) return;
        const chunk = block.subarray(i, i + this.#chunkBytes);
        try {
          channel.send(chunk);
        } catch (err) {
          this.failLocal('CONNECTION_LOST', 'the file channel refused data', err);
          return;
        }
        sent += chunk.byteLength;
        transfer._setBytesTransferred(sent - channel.bufferedAmount);
        this.host.progressed(transfer);
      }
      offset += block.byteLength;
    }
    this.#protocol.trailerSent();
    this.send({ type: 'trailer', sha256: hash.hex() });
    this.armTimeout('confirmation from the receiver');
    // Keep the progress honest while the last buffered bytes leave.
    while (!signal.aborted && channel.bufferedAmount > 0 && channel.readyState === 'open') {
      await new Promise((r) => setTimeout(r, this.host.options.progressIntervalMs));
      transfer._setBytesTransferred(size - channel.bufferedAmount);
      this.host.progressed(transfer);
    }
  }

  protected release(): void {
    this.#protocol.end();
    this.#blob = undefined;
  }
}
