/** The receiving end: checks the header, opens storage, says ready, stores and hashes the bytes, checks the trailer. */
import { IncomingProtocol } from './protocol.ts';
import { Session, type SessionHost } from './session.ts';
import type { FileSink } from './sink.ts';
import type { Transfer } from './transfer.ts';

export class IncomingSession extends Session {
  readonly #protocol: IncomingProtocol;
  #sink: FileSink | undefined;
  /** Storage writes, in arrival order. */
  #writes: Promise<void> = Promise.resolve();
  #writeFailed = false;

  constructor(host: SessionHost, transfer: Transfer, channel: RTCDataChannel) {
    super(host, transfer, channel);
    this.#protocol = new IncomingProtocol(transfer.id, host.options.maxBytes);
  }

  /** The channel is ours: the header must come soon. */
  start(): void {
    this.armTimeout('header from the sender');
  }

  protected onMessage(data: unknown): void {
    const step = this.#protocol.onMessage(data);
    switch (step.kind) {
      case 'header': {
        this.clearTimeout();
        const { name, size, mimeType } = step.header;
        this.transfer._setHeader(name, size, mimeType);
        this.host.announce(this.transfer);
        // Bytes (and the trailer) wait for the storage; a well-behaved sender waits for `ready` anyway.
        this.#writes = this.#open();
        return;
      }
      case 'chunk': {
        const bytes = step.bytes;
        this.#writes = this.#writes.then(async () => {
          if (this.#writeFailed || this.transfer.ended || !this.#sink) return;
          try {
            await this.#sink.write(bytes);
          } catch (err) {
            this.#writeFailed = true;
            this.failLocal('STORAGE_FAILED', 'could not store the file', err);
          }
        });
        this.transfer._setBytesTransferred(this.#protocol.bytesReceived);
        this.host.progressed(this.transfer);
        return;
      }
      case 'verified':
        void this.#finish();
        return;
      case 'ignored':
        return;
      case 'failed':
        if (step.header) this.transfer._setHeader(step.header.name, step.header.size, step.header.mimeType);
        this.onEndStep(step);
        return;
      case 'cancelled':
        this.onEndStep(step);
        return;
    }
  }

  async #open(): Promise<void> {
    try {
      this.#sink = await this.host.createSink(this.transfer.id);
    } catch (err) {
      this.failLocal('STORAGE_FAILED', 'could not open storage for the file', err);
      return;
    }
    if (this.transfer.ended) {
      void this.#sink.abort();
      return;
    }
    this.transfer._setStorage(this.#sink.kind);
    if (!this.host.transition(this.transfer, 'active')) return;
    this.send({ type: 'ready' });
  }

  async #finish(): Promise<void> {
    await this.#writes;
    const sink = this.#sink;
    if (this.transfer.ended) return;
    if (!sink) return this.failLocal('STORAGE_FAILED', 'no storage for the file');
    let file: File;
    try {
      file = await sink.finish(this.transfer.name, this.transfer.mimeType);
    } catch (err) {
      this.failLocal('STORAGE_FAILED', 'could not finish storing the file', err);
      return;
    }
    if (this.transfer.ended) return;
    this.transfer._setFile(file, sink.kind);
    this.host.progressed(this.transfer, true);
    this.send({ type: 'done' });
    this.complete();
  }

  protected release(): void {
    this.#protocol.end();
    if (this.transfer.state !== 'completed') {
      // Whatever was stored is not the file the sender meant (or nobody wants it any more).
      this.#writes = this.#writes.then(() => this.#sink?.abort());
    }
  }
}
