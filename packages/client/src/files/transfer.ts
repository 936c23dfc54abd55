import type { FileTransferError, FileTransferErrorCode } from './errors.ts';

export type TransferDirection = 'outgoing' | 'incoming';
export type TransferState = 'pending' | 'active' | 'completed' | 'failed' | 'cancelled';
export type TransferStorage = 'opfs' | 'memory';

/**
 * pending → active → completed, and failed / cancelled from any state that has not ended.
 * An incoming transfer is pending until its storage is open; an outgoing one until the receiver is ready.
 */
const TRANSITIONS: Readonly<Record<TransferState, readonly TransferState[]>> = {
  pending: ['active', 'failed', 'cancelled'],
  active: ['completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

export function canTransition(from: TransferState, to: TransferState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTerminal(state: TransferState): boolean {
  return TRANSITIONS[state].length === 0;
}

export interface TransferInit {
  id: string;
  direction: TransferDirection;
  participantId: string;
  participantName: string;
  name: string;
  size: number;
  mimeType: string;
  onCancel: (transfer: Transfer) => void;
}

/**
 * One file going to, or coming from, one participant. Read its fields; change it only with
 * `cancel()`. `FileTransfers` emits an event on every change.
 */
export class Transfer {
  readonly id: string;
  readonly direction: TransferDirection;
  readonly participantId: string;
  readonly participantName: string;
  readonly startedAt = Date.now();
  #name: string;
  #size: number;
  #mimeType: string;
  #state: TransferState = 'pending';
  #bytesTransferred = 0;
  #error: FileTransferError | undefined;
  #file: File | undefined;
  #storage: TransferStorage | undefined;
  #endedAt: number | undefined;
  readonly #onCancel: (transfer: Transfer) => void;

  constructor(init: TransferInit) {
    this.id = init.id;
    this.direction = init.direction;
    this.participantId = init.participantId;
    this.participantName = init.participantName;
    this.#name = init.name;
    this.#size = init.size;
    this.#mimeType = init.mimeType;
    this.#onCancel = init.onCancel;
  }

  get name(): string {
    return this.#name;
  }
  get size(): number {
    return this.#size;
  }
  get mimeType(): string {
    return this.#mimeType;
  }
  get state(): TransferState {
    return this.#state;
  }
  /** Bytes the receiver has (incoming), or that have left this browser (outgoing). */
  get bytesTransferred(): number {
    return this.#bytesTransferred;
  }
  /** 0…1 */
  get progress(): number {
    return this.#size === 0 ? (this.#state === 'completed' ? 1 : 0) : Math.min(1, this.#bytesTransferred / this.#size);
  }
  get error(): FileTransferError | undefined {
    return this.#error;
  }
  get errorCode(): FileTransferErrorCode | undefined {
    return this.#error?.code;
  }
  /** The received file, once an incoming transfer completed with a matching SHA-256. */
  get file(): File | undefined {
    return this.#file;
  }
  /** Where an incoming file is kept: the origin-private file system, or memory. */
  get storage(): TransferStorage | undefined {
    return this.#storage;
  }
  get endedAt(): number | undefined {
    return this.#endedAt;
  }
  get ended(): boolean {
    return isTerminal(this.#state);
  }

  /** Stops the transfer on both sides. Does nothing once it has ended. */
  cancel(): void {
    if (!this.ended) this.#onCancel(this);
  }

  /** @internal Returns false (and changes nothing) when the transition is not allowed. */
  _setState(to: TransferState, error?: FileTransferError): boolean {
    if (!canTransition(this.#state, to)) return false;
    this.#state = to;
    if (error) this.#error = error;
    if (isTerminal(to)) this.#endedAt = Date.now();
    return true;
  }

  /** @internal What an incoming header announced. */
  _setHeader(name: string, size: number, mimeType: string): void {
    this.#name = name;
    this.#size = size;
    this.#mimeType = mimeType;
  }

  /** @internal */
  _setBytesTransferred(bytes: number): void {
    this.#bytesTransferred = Math.max(0, Math.min(bytes, this.#size));
  }

  /** @internal */
  _setFile(file: File, storage: TransferStorage): void {
    this.#file = file;
    this.#storage = storage;
  }

  /** @internal */
  _setStorage(storage: TransferStorage): void {
    this.#storage = storage;
  }
}
