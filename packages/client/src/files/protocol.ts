/**
 * The two ends of the exchange in wire.ts as pure state machines: they take what arrives on the
 * channel and say what it means, checking order, sizes and the SHA-256. No channel, no storage.
 */
import type { FileTransferErrorCode } from './errors.ts';
import { Sha256 } from './hash.ts';
import { parseMessage, type HeaderMessage } from './wire.ts';

/** The transfer ends because of the other side or of what it sent. `remote`: the other side said so (do not answer). */
export type EndStep =
  | { kind: 'cancelled' }
  | { kind: 'failed'; code: FileTransferErrorCode; message: string; remote: boolean; header?: HeaderMessage };

export type IncomingStep =
  | { kind: 'header'; header: HeaderMessage }
  | { kind: 'chunk'; bytes: Uint8Array<ArrayBuffer> }
  | { kind: 'verified'; sha256: string }
  | { kind: 'ignored' }
  | EndStep;

export type OutgoingStep = { kind: 'ready' } | { kind: 'done' } | { kind: 'ignored' } | EndStep;

function fail(code: FileTransferErrorCode, message: string, remote = false): Extract<EndStep, { kind: 'failed' }> {
  return { kind: 'failed', code, message, remote };
}

/** Receiver: header → chunks (never beyond the announced size) → trailer whose hash must match. */
export class IncomingProtocol {
  #phase: 'header' | 'data' | 'ended' = 'header';
  #size = 0;
  #received = 0;
  readonly #hash = new Sha256();
  readonly #transferId: string;
  readonly #maxBytes: number;

  constructor(transferId: string, maxBytes: number) {
    this.#transferId = transferId;
    this.#maxBytes = maxBytes;
  }

  get phase(): 'header' | 'data' | 'ended' {
    return this.#phase;
  }
  get bytesReceived(): number {
    return this.#received;
  }

  /** One message from the channel: a string (control) or an ArrayBuffer (file bytes). */
  onMessage(data: unknown): IncomingStep {
    if (this.#phase === 'ended') return { kind: 'ignored' };
    const step = typeof data === 'string' ? this.#onText(data) : data instanceof ArrayBuffer ? this.#onBinary(data) : fail('MALFORMED_MESSAGE', 'binary message is not an ArrayBuffer');
    if (step.kind === 'failed' || step.kind === 'cancelled' || step.kind === 'verified') this.#phase = 'ended';
    return step;
  }

  /** This side ended the transfer (cancel, storage failure, ...): ignore whatever still arrives. */
  end(): void {
    this.#phase = 'ended';
  }

  #onText(text: string): IncomingStep {
    const parsed = parseMessage(text);
    if (!parsed.ok) return fail(parsed.code, parsed.reason);
    const m = parsed.message;
    switch (m.type) {
      case 'header':
        if (this.#phase !== 'header') return fail('UNEXPECTED_MESSAGE', 'second header');
        if (m.id !== this.#transferId) return fail('MALFORMED_MESSAGE', 'header id differs from the channel label');
        // Refused, but the header still says what was refused (the UI shows it).
        if (m.size > this.#maxBytes) return { ...fail('TOO_LARGE', `file of ${m.size} bytes is over the ${this.#maxBytes}-byte limit`), header: m };
        this.#size = m.size;
        this.#phase = 'data';
        return { kind: 'header', header: m };
      case 'trailer': {
        if (this.#phase !== 'data') return fail('UNEXPECTED_MESSAGE', 'trailer before header');
        if (this.#received !== this.#size) return fail('SIZE_MISMATCH', `received ${this.#received} of ${this.#size} bytes`);
        const actual = this.#hash.hex();
        if (actual !== m.sha256) return fail('HASH_MISMATCH', 'SHA-256 of the received bytes differs from the sender\'s');
        return { kind: 'verified', sha256: actual };
      }
      case 'cancel':
        return { kind: 'cancelled' };
      case 'error':
        return fail(m.code, m.message || 'the sender reported an error', true);
      case 'ready':
      case 'done':
        return fail('UNEXPECTED_MESSAGE', `"${m.type}" is a receiver's message`);
    }
  }

  #onBinary(data: ArrayBuffer): IncomingStep {
    if (this.#phase !== 'data') return fail('UNEXPECTED_MESSAGE', 'file bytes before the header');
    if (this.#received + data.byteLength > this.#size) return fail('SIZE_MISMATCH', `more than the announced ${this.#size} bytes`);
    const bytes = new Uint8Array(data);
    this.#hash.update(bytes);
    this.#received += bytes.byteLength;
    return { kind: 'chunk', bytes };
  }
}

/** Sender: wait for ready → stream (the sender's own loop) → trailer sent → wait for done. */
export class OutgoingProtocol {
  #phase: 'awaitReady' | 'streaming' | 'awaitDone' | 'ended' = 'awaitReady';

  get phase(): 'awaitReady' | 'streaming' | 'awaitDone' | 'ended' {
    return this.#phase;
  }

  /** Call once the trailer is on its way. */
  trailerSent(): void {
    if (this.#phase === 'streaming') this.#phase = 'awaitDone';
  }

  end(): void {
    this.#phase = 'ended';
  }

  onMessage(data: unknown): OutgoingStep {
    if (this.#phase === 'ended') return { kind: 'ignored' };
    const step = this.#step(data);
    if (step.kind === 'failed' || step.kind === 'cancelled' || step.kind === 'done') this.#phase = 'ended';
    else if (step.kind === 'ready') this.#phase = 'streaming';
    return step;
  }

  #step(data: unknown): OutgoingStep {
    if (typeof data !== 'string') return fail('UNEXPECTED_MESSAGE', 'the receiver sent binary data');
    const parsed = parseMessage(data);
    if (!parsed.ok) return fail(parsed.code, parsed.reason);
    const m = parsed.message;
    switch (m.type) {
      case 'ready':
        return this.#phase === 'awaitReady' ? { kind: 'ready' } : fail('UNEXPECTED_MESSAGE', 'second ready');
      case 'done':
        return this.#phase === 'awaitDone' ? { kind: 'done' } : fail('UNEXPECTED_MESSAGE', 'done before the trailer');
      case 'cancel':
        return { kind: 'cancelled' };
      case 'error':
        return fail(m.code, m.message || 'the receiver reported an error', true);
      case 'header':
      case 'trailer':
        return fail('UNEXPECTED_MESSAGE', `"${m.type}" is a sender's message`);
    }
  }
}
