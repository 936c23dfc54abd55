import { Emitter } from '../emitter.ts';
import { FileTransferError, type FileTransferErrorCode } from './errors.ts';
import { IncomingSession } from './incoming.ts';
import { OutgoingSession } from './outgoing.ts';
import type { ResolvedOptions, Session, SessionHost } from './session.ts';
import { MemorySink, OpfsStore, type FileSink } from './sink.ts';
import { Transfer, type TransferState } from './transfer.ts';
import { channelLabel, FILE_CHANNEL_PREFIX, sanitizeFileName, sanitizeMimeType, transferIdFromLabel } from './wire.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export interface FileTransfersOptions {
  /** Largest file sent or accepted, in bytes. Default 1 GiB. */
  maxBytes?: number;
  /** Bytes per binary message; capped by the connection's SCTP max-message-size. Default 64 KiB. */
  chunkBytes?: number;
  /** `auto`: OPFS when the browser has it, else memory. Default `auto`. */
  storage?: 'auto' | 'memory';
  /** Least time between two `transferProgressed` events of one transfer. Default 100 ms. */
  progressIntervalMs?: number;
  /** Wait for the channel to open and for each answer of the other side. Default 30 s. */
  timeoutMs?: number;
  log?: (message: string, detail?: unknown) => void;
}

export interface SendOptions {
  /** Recipients' participant ids; everyone in the room by default. */
  to?: readonly string[];
  /** The name the others see; defaults to the File's name. */
  name?: string;
}

export type FileTransfersEvents = {
  /** A transfer exists: one we send (pending until the receiver is ready), or one announced to us. */
  transferStarted: [transfer: Transfer];
  /** bytesTransferred changed (at most once per progressIntervalMs per transfer). */
  transferProgressed: [transfer: Transfer];
  /** Incoming: `transfer.file` holds the file, its SHA-256 checked. Outgoing: the receiver confirmed it. */
  transferCompleted: [transfer: Transfer];
  transferFailed: [transfer: Transfer];
  transferCancelled: [transfer: Transfer];
};

/** The part of `Room` file transfer uses (a structural type, so tests can pass a stand-in). */
export interface FileTransferRoom {
  readonly participants: ReadonlyMap<string, { readonly id: string; readonly name: string; readonly peer?: { readonly closed: boolean; readonly pc: RTCPeerConnection } | undefined }>;
  createDataChannel(participantId: string, label: string, init?: RTCDataChannelInit): RTCDataChannel;
  on(event: 'dataChannelOpened', listener: (participant: { id: string; name: string }, channel: RTCDataChannel) => void): () => void;
  on(event: 'participantLeft', listener: (participant: { id: string }, reason: string) => void): () => void;
  on(event: 'disconnected', listener: (error: unknown) => void): () => void;
}

const EVENT_FOR_STATE = {
  completed: 'transferCompleted',
  failed: 'transferFailed',
  cancelled: 'transferCancelled',
} as const;

/**
 * Files to and from the other participants, each over its own data channel on the direct
 * connection (wire.ts), SHA-256 checked, with backpressure, cancel from either side, and the
 * received bytes streamed into the origin-private file system where the browser allows.
 */
export class FileTransfers extends Emitter<FileTransfersEvents> {
  readonly #room: FileTransferRoom;
  readonly #options: ResolvedOptions;
  readonly #storage: 'auto' | 'memory';
  readonly #log: (message: string, detail?: unknown) => void;
  readonly #sessions = new Map<string, Session>();
  readonly #transfers = new Map<string, Transfer>();
  readonly #lastProgressAt = new WeakMap<Transfer, number>();
  readonly #offs: Array<() => void>;
  readonly #host: SessionHost;
  readonly #announced = new WeakSet<Transfer>();
  #store: Promise<OpfsStore | undefined> | undefined;
  #disposed = false;

  constructor(room: FileTransferRoom, options: FileTransfersOptions = {}) {
    super();
    const maxBytes = options.maxBytes ?? GiB;
    const chunkBytes = options.chunkBytes ?? 64 * KiB;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new TypeError('maxBytes must be a non-negative integer');
    if (!Number.isInteger(chunkBytes) || chunkBytes < KiB || chunkBytes > 256 * KiB) throw new TypeError('chunkBytes must be an integer from 1 KiB to 256 KiB');
    this.#room = room;
    this.#storage = options.storage ?? 'auto';
    this.#log = options.log ?? (() => undefined);
    this.#options = {
      maxBytes,
      chunkBytes,
      progressIntervalMs: options.progressIntervalMs ?? 100,
      timeoutMs: options.timeoutMs ?? 30_000,
      highWaterBytes: Math.max(4 * MiB, 8 * chunkBytes),
      lowWaterBytes: MiB,
      closeGraceMs: 1000,
    };
    this.#host = {
      options: this.#options,
      transition: (t, to, error) => this.#transition(t, to, error),
      announce: (t) => this.#announce(t),
      progressed: (t, force) => this.#progressed(t, force),
      channelLostReason: (id) => this.#channelLostReason(id),
      createSink: (id) => this.#createSink(id),
      log: (message, detail) => this.#log(message, detail),
    };
    this.#offs = [
      room.on('dataChannelOpened', (participant, channel) => this.#onChannel(participant, channel)),
      room.on('participantLeft', (participant) => this.#abortWith(participant.id, 'PARTICIPANT_LEFT', 'the other participant left')),
      room.on('disconnected', () => this.#abortWith(undefined, 'DISCONNECTED', 'you are no longer in the room')),
    ];
  }

  get maxBytes(): number {
    return this.#options.maxBytes;
  }

  /** Every transfer of this session, oldest first. */
  get transfers(): Transfer[] {
    return [...this.#transfers.values()];
  }

  get(id: string): Transfer | undefined {
    return this.#transfers.get(id);
  }

  /**
   * Sends a file to some participants (everyone by default): one Transfer per recipient.
   * Throws FileTransferError `TOO_LARGE` over the limit, `NO_CONNECTION` for unknown recipients.
   */
  send(file: Blob, options: SendOptions = {}): Transfer[] {
    if (this.#disposed) throw new FileTransferError('DISCONNECTED', 'file transfers are closed');
    if (!(file instanceof Blob)) throw new TypeError('send() takes a File or a Blob');
    if (file.size > this.#options.maxBytes) throw new FileTransferError('TOO_LARGE', `${file.size} bytes is over the ${this.#options.maxBytes}-byte limit`);
    const to = options.to ?? [...this.#room.participants.keys()];
    for (const id of to) if (!this.#room.participants.has(id)) throw new FileTransferError('NO_CONNECTION', `no participant "${id}" in the room`);
    const name = sanitizeFileName(options.name ?? fileName(file));
    const mimeType = sanitizeMimeType(file.type);
    return [...new Set(to)].map((participantId) => this.#sendTo(participantId, file, name, mimeType));
  }

  #sendTo(participantId: string, file: Blob, name: string, mimeType: string): Transfer {
    const participant = this.#room.participants.get(participantId);
    const transfer = this.#newTransfer({ id: newTransferId(), direction: 'outgoing', participantId, participantName: participant?.name ?? '', name, size: file.size, mimeType });
    this.#announce(transfer);
    let channel: RTCDataChannel;
    try {
      channel = this.#room.createDataChannel(participantId, channelLabel(transfer.id), { ordered: true });
    } catch (err) {
      this.#transition(transfer, 'failed', new FileTransferError('NO_CONNECTION', 'no direct connection to that participant yet', { cause: err }));
      return transfer;
    }
    const maxMessage = participant?.peer?.pc.sctp?.maxMessageSize;
    const chunkBytes = maxMessage ? Math.min(this.#options.chunkBytes, maxMessage) : this.#options.chunkBytes;
    const session = new OutgoingSession(this.#host, transfer, channel, file, chunkBytes);
    this.#sessions.set(transfer.id, session);
    void session.start();
    return transfer;
  }

  #onChannel(participant: { id: string; name: string }, channel: RTCDataChannel): void {
    if (!channel.label.startsWith(FILE_CHANNEL_PREFIX)) return; // another feature's channel
    const id = transferIdFromLabel(channel.label);
    if (!id || this.#transfers.has(id) || this.#disposed) {
      this.#log(`refusing file channel "${channel.label.slice(0, 80)}"`);
      channel.close();
      return;
    }
    const transfer = this.#newTransfer({ id, direction: 'incoming', participantId: participant.id, participantName: participant.name, name: '', size: 0, mimeType: '' });
    const session = new IncomingSession(this.#host, transfer, channel);
    this.#sessions.set(id, session);
    session.start();
  }

  #newTransfer(init: Omit<ConstructorParameters<typeof Transfer>[0], 'onCancel'>): Transfer {
    const transfer = new Transfer({ ...init, onCancel: (t) => this.#sessions.get(t.id)?.cancelLocal() });
    this.#transfers.set(transfer.id, transfer);
    return transfer;
  }

  #abortWith(participantId: string | undefined, code: FileTransferErrorCode, message: string): void {
    for (const session of [...this.#sessions.values()]) {
      if (participantId === undefined || session.transfer.participantId === participantId) session.abort(code, message);
    }
  }

  #announce(transfer: Transfer): void {
    if (this.#announced.has(transfer)) return;
    this.#announced.add(transfer);
    this.emit('transferStarted', transfer);
  }

  #transition(transfer: Transfer, to: TransferState, error?: FileTransferError): boolean {
    if (!transfer._setState(to, error)) return false;
    if (to === 'pending' || to === 'active') return true;
    this.#sessions.delete(transfer.id);
    // An incoming channel that failed before a valid header still shows up, as failed.
    this.#announce(transfer);
    this.emit(EVENT_FOR_STATE[to], transfer);
    return true;
  }

  #progressed(transfer: Transfer, force = false): void {
    const now = Date.now();
    const last = this.#lastProgressAt.get(transfer) ?? 0;
    if (!force && now - last < this.#options.progressIntervalMs && transfer.bytesTransferred < transfer.size) return;
    this.#lastProgressAt.set(transfer, now);
    this.emit('transferProgressed', transfer);
  }

  #channelLostReason(participantId: string): { code: FileTransferErrorCode; message: string } | undefined {
    if (this.#disposed) return { code: 'DISCONNECTED', message: 'you are no longer in the room' };
    const participant = this.#room.participants.get(participantId);
    if (!participant) return { code: 'PARTICIPANT_LEFT', message: 'the other participant left' };
    if (participant.peer?.closed) return { code: 'CONNECTION_LOST', message: 'the connection to the other participant closed' };
    return undefined;
  }

  async #createSink(transferId: string): Promise<FileSink> {
    if (this.#storage === 'auto') {
      this.#store ??= OpfsStore.open();
      const store = await this.#store;
      if (store) {
        try {
          return await store.createSink(transferId);
        } catch (err) {
          this.#log('OPFS unavailable, keeping the file in memory', err);
        }
      }
    }
    return new MemorySink();
  }

  /**
   * Ends every transfer still running (as DISCONNECTED), stops listening to the room and deletes
   * the files this instance stored: call it when the received files are no longer needed.
   */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#abortWith(undefined, 'DISCONNECTED', 'file transfers were closed');
    this.#disposed = true;
    for (const off of this.#offs) off();
    const store = await this.#store;
    await store?.remove();
  }
}

/** 128 random bits as hex: getRandomValues works outside secure contexts too (randomUUID does not). */
function newTransferId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function fileName(blob: Blob): string {
  const name: unknown = (blob as Partial<File>).name;
  return typeof name === 'string' ? name : '';
}
