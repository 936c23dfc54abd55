/**
 * Where received bytes go. In the origin-private file system (OPFS) when the browser offers
 * `createWritable` there, so a large file never sits whole in memory; in Blob parts otherwise
 * (Chromium moves large blobs out of the JS heap, to disk if needed).
 */
import type { TransferStorage } from './transfer.ts';

export interface FileSink {
  readonly kind: TransferStorage;
  /** Writes are applied in call order. */
  write(bytes: Uint8Array<ArrayBuffer>): Promise<void>;
  /** Flushes and hands out the file. */
  finish(name: string, mimeType: string): Promise<File>;
  /** Drops what was written. Never throws. */
  abort(): Promise<void>;
}

/** Bytes gathered before one write: fewer, larger writes to the file system. */
const COALESCE_BYTES = 1 << 20;
/** Incoming files live under this OPFS directory, one sub-directory per FileTransfers instance. */
const ROOT_DIR = 'parley-files';
/** Directories left by closed tabs are removed after this long. */
const STALE_MS = 24 * 60 * 60 * 1000;

export class MemorySink implements FileSink {
  readonly kind = 'memory' as const;
  readonly #blobs: Blob[] = [];
  #pending: Uint8Array<ArrayBuffer>[] = [];
  #pendingBytes = 0;

  async write(bytes: Uint8Array<ArrayBuffer>): Promise<void> {
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.byteLength;
    // Packing chunks into a Blob lets the browser keep them outside the JS heap.
    if (this.#pendingBytes >= 4 * COALESCE_BYTES) this.#pack();
  }

  #pack(): void {
    if (this.#pending.length) this.#blobs.push(new Blob(this.#pending));
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  async finish(name: string, mimeType: string): Promise<File> {
    this.#pack();
    return new File(this.#blobs, name, { type: mimeType });
  }

  async abort(): Promise<void> {
    this.#blobs.length = 0;
    this.#pending = [];
  }
}

class OpfsSink implements FileSink {
  readonly kind = 'opfs' as const;
  #pending: Uint8Array<ArrayBuffer>[] = [];
  #pendingBytes = 0;
  readonly #dir: FileSystemDirectoryHandle;
  readonly #handle: FileSystemFileHandle;
  readonly #writable: FileSystemWritableFileStream;
  readonly #entry: string;

  constructor(dir: FileSystemDirectoryHandle, entry: string, handle: FileSystemFileHandle, writable: FileSystemWritableFileStream) {
    this.#dir = dir;
    this.#entry = entry;
    this.#handle = handle;
    this.#writable = writable;
  }

  async write(bytes: Uint8Array<ArrayBuffer>): Promise<void> {
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.byteLength;
    if (this.#pendingBytes >= COALESCE_BYTES) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (!this.#pending.length) return;
    const blob = new Blob(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    await this.#writable.write(blob);
  }

  async finish(name: string, mimeType: string): Promise<File> {
    await this.#flush();
    await this.#writable.close();
    const stored = await this.#handle.getFile();
    // A File over the stored one: the bytes stay on disk, the name and type are the sender's.
    return new File([stored], name, { type: mimeType });
  }

  async abort(): Promise<void> {
    this.#pending = [];
    await this.#writable.abort().catch(() => undefined);
    await this.#dir.removeEntry(this.#entry).catch(() => undefined);
  }
}

type Entries = { keys(): AsyncIterable<string> };

/** One FileTransfers instance's OPFS directory. */
export class OpfsStore {
  readonly #parent: FileSystemDirectoryHandle;
  readonly #dir: FileSystemDirectoryHandle;
  readonly #name: string;

  private constructor(parent: FileSystemDirectoryHandle, dir: FileSystemDirectoryHandle, name: string) {
    this.#parent = parent;
    this.#dir = dir;
    this.#name = name;
  }

  /** Undefined when this browser (or context: OPFS needs a secure one) has no writable OPFS. */
  static async open(): Promise<OpfsStore | undefined> {
    try {
      const storage = globalThis.navigator?.storage;
      if (typeof storage?.getDirectory !== 'function') return undefined;
      if (typeof globalThis.FileSystemFileHandle?.prototype.createWritable !== 'function') return undefined;
      const parent = await (await storage.getDirectory()).getDirectoryHandle(ROOT_DIR, { create: true });
      await OpfsStore.#sweep(parent);
      const name = `${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
      return new OpfsStore(parent, await parent.getDirectoryHandle(name, { create: true }), name);
    } catch {
      return undefined;
    }
  }

  /** Removes directories that closed tabs left behind (their name starts with their creation time). */
  static async #sweep(parent: FileSystemDirectoryHandle): Promise<void> {
    const now = Date.now();
    for await (const name of (parent as unknown as Entries).keys()) {
      const created = Number(name.split('-')[0]);
      if (Number.isFinite(created) && now - created > STALE_MS) await parent.removeEntry(name, { recursive: true }).catch(() => undefined);
    }
  }

  async createSink(transferId: string): Promise<FileSink> {
    const handle = await this.#dir.getFileHandle(transferId, { create: true });
    const writable = await handle.createWritable();
    return new OpfsSink(this.#dir, transferId, handle, writable);
  }

  /** Deletes every file this instance stored (completed ones included). */
  async remove(): Promise<void> {
    await this.#parent.removeEntry(this.#name, { recursive: true }).catch(() => undefined);
  }
}
