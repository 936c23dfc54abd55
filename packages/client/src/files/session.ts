/** What both ends of a transfer share: the channel's life, timers and how a transfer ends. */
import { FileTransferError, type FileTransferErrorCode } from './errors.ts';
import type { EndStep } from './protocol.ts';
import type { FileSink } from './sink.ts';
import type { Transfer, TransferState } from './transfer.ts';
import { encodeMessage, type FileControlMessage } from './wire.ts';

export interface ResolvedOptions {
  maxBytes: number;
  chunkBytes: number;
  progressIntervalMs: number;
  /** How long to wait for the channel to open and for the other side to answer. */
  timeoutMs: number;
  /** bufferedAmount above which the sender waits for `bufferedamountlow`. */
  highWaterBytes: number;
  lowWaterBytes: number;
  /** How long a channel closed without a `cancel` waits for news that the participant left. */
  closeGraceMs: number;
}

/** What a session needs from FileTransfers. */
export interface SessionHost {
  readonly options: ResolvedOptions;
  /** Moves the transfer and emits the matching event; false (nothing emitted) when the move is not allowed. */
  transition(transfer: Transfer, to: TransferState, error?: FileTransferError): boolean;
  announce(transfer: Transfer): void;
  progressed(transfer: Transfer, force?: boolean): void;
  /** Why a channel closed that neither side closed on purpose. */
  channelLostReason(participantId: string): { code: FileTransferErrorCode; message: string } | undefined;
  createSink(transferId: string): Promise<FileSink>;
  log(message: string, detail?: unknown): void;
}

export abstract class Session {
  readonly transfer: Transfer;
  readonly channel: RTCDataChannel;
  protected readonly host: SessionHost;
  /** Aborted when the transfer ends: wakes every wait. */
  protected readonly ended = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: SessionHost, transfer: Transfer, channel: RTCDataChannel) {
    this.host = host;
    this.transfer = transfer;
    this.channel = channel;
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('message', (e: MessageEvent) => this.#guard(() => this.onMessage(e.data)));
    channel.addEventListener('close', () => this.#onClose());
    // Chromium reports the remote side closing as an `error` event (SCTP user abort) before `close`.
    channel.addEventListener('error', (e) => host.log(`file channel ${channel.label} error`, e));
  }

  protected abstract onMessage(data: unknown): void | Promise<void>;
  /** Releases what this side holds (storage, reads) once the transfer ended. */
  protected abstract release(): void;

  #guard(run: () => void | Promise<void>): void {
    try {
      const r = run();
      if (r) r.catch((err: unknown) => this.failLocal('UNEXPECTED_MESSAGE', 'internal error', err));
    } catch (err) {
      this.failLocal('UNEXPECTED_MESSAGE', 'internal error', err);
    }
  }

  #onClose(): void {
    if (this.transfer.ended) return;
    const decide = () => {
      if (this.transfer.ended) return;
      const lost = this.host.channelLostReason(this.transfer.participantId);
      if (lost) this.#end('failed', new FileTransferError(lost.code, lost.message));
      else this.#end('cancelled'); // the other side closed the channel on purpose: that is a cancel
    };
    if (this.host.channelLostReason(this.transfer.participantId)) return decide();
    // A cancel always comes with a `cancel` message, so a bare close is most likely the other side
    // going away: its SCTP abort can overtake the server's participantLeft. Wait for that a moment.
    setTimeout(decide, this.host.options.closeGraceMs);
  }

  /** Fails the transfer only if the other side does not answer within the timeout. */
  protected armTimeout(what: string): void {
    this.clearTimeout();
    this.#timer = setTimeout(() => this.failLocal('TIMEOUT', `no ${what} within ${this.host.options.timeoutMs} ms`), this.host.options.timeoutMs);
  }

  protected clearTimeout(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  protected send(message: FileControlMessage): boolean {
    if (this.channel.readyState !== 'open') return false;
    try {
      this.channel.send(encodeMessage(message));
      return true;
    } catch (err) {
      this.host.log(`file channel ${this.channel.label}: send failed`, err);
      return false;
    }
  }

  /** The user cancelled: tell the other side, then close (pending messages are still delivered). */
  cancelLocal(): void {
    if (this.transfer.ended) return;
    this.send({ type: 'cancel' });
    this.#end('cancelled');
  }

  /** Something failed on this side: tell the other side why. */
  failLocal(code: FileTransferErrorCode, message: string, cause?: unknown): void {
    if (this.transfer.ended) return;
    if (cause !== undefined) this.host.log(`file transfer ${this.transfer.id}: ${message}`, cause);
    this.send({ type: 'error', code, message });
    this.#end('failed', new FileTransferError(code, message, cause === undefined ? undefined : { cause }));
  }

  /** The path to the other side is gone (participant left, room disconnected): nothing to tell. */
  abort(code: FileTransferErrorCode, message: string): void {
    if (this.transfer.ended) return;
    this.#end('failed', new FileTransferError(code, message));
  }

  /** What the protocol machine decided. */
  protected onEndStep(step: EndStep): void {
    if (step.kind === 'cancelled') this.#end('cancelled');
    else if (step.remote) this.#end('failed', new FileTransferError(step.code, step.message));
    else this.failLocal(step.code, step.message);
  }

  protected complete(): void {
    if (this.transfer.ended) return;
    this.#end('completed');
  }

  #end(state: 'completed' | 'failed' | 'cancelled', error?: FileTransferError): void {
    if (!this.host.transition(this.transfer, state, error)) return;
    this.clearTimeout();
    this.ended.abort();
    try {
      this.release();
    } finally {
      if (state !== 'completed' || this.transfer.direction === 'outgoing') this.channel.close();
    }
  }
}

/** Resolves when the channel is open; rejects on close, timeout or abort. */
export function channelOpen(channel: RTCDataChannel, timeoutMs: number, signal: AbortSignal): Promise<void> {
  if (channel.readyState === 'open') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      channel.removeEventListener('open', onOpen);
      channel.removeEventListener('close', onClose);
      signal.removeEventListener('abort', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onOpen = () => done();
    const onClose = () => done(new Error('channel closed before it opened'));
    const timer = setTimeout(() => done(new Error(`channel not open after ${timeoutMs} ms`)), timeoutMs);
    channel.addEventListener('open', onOpen);
    channel.addEventListener('close', onClose);
    signal.addEventListener('abort', onClose);
  });
}

/** Resolves when bufferedAmount drops to the low-water mark, the channel closes, or the transfer ends. */
export function channelDrained(channel: RTCDataChannel, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      channel.removeEventListener('bufferedamountlow', done);
      channel.removeEventListener('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    if (signal.aborted || channel.readyState !== 'open' || channel.bufferedAmount <= channel.bufferedAmountLowThreshold) return resolve();
    channel.addEventListener('bufferedamountlow', done);
    channel.addEventListener('close', done);
    signal.addEventListener('abort', done);
  });
}
