import { Worker } from 'node:worker_threads';
import type { CompositeOptions } from './composite.ts';
import { assertI420, type I420Frame } from './i420.ts';
import type { Layout } from './layout.ts';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

export interface CompositeResult extends I420Frame {
  /** Time spent compositing on the worker thread. */
  elapsedMs: number;
  /** Tiles drawn again and pictures scaled for this composite (the rest came from the worker's cache). */
  tilesDrawn?: number;
  picturesScaled?: number;
}

export class CompositorClosedError extends Error {
  readonly code = 'COMPOSITOR_CLOSED';

  constructor() {
    super('the compositor worker is closed');
    this.name = 'CompositorClosedError';
  }
}

/**
 * Compositing on a worker thread, so scaling a room's pictures never blocks the event loop (RTP,
 * signaling and the 10 ms audio clock share it). Frames are transferred, not copied: after
 * `updateFrame` the caller's buffer is detached.
 */
export class WorkerCompositor {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (r: CompositeResult) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #closed = false;

  constructor() {
    this.#worker = new Worker(new URL('./compositor-worker.mjs', import.meta.url));
    this.#worker.on('message', (m: FromWorker) => this.#onMessage(m));
    this.#worker.on('error', (err) => this.#failAll(err));
    this.#worker.on('exit', () => this.#failAll(new CompositorClosedError()));
  }

  /** Hands over a source's latest frame. A buffer shared with other data (a view, a pooled Buffer) is copied first. */
  updateFrame(sourceId: string, frame: I420Frame): void {
    this.#checkOpen();
    assertI420(frame);
    const whole = frame.data.byteOffset === 0 && frame.data.byteLength === frame.data.buffer.byteLength && frame.data.buffer instanceof ArrayBuffer;
    const buffer = whole ? (frame.data.buffer as ArrayBuffer) : frame.data.slice().buffer;
    this.#post({ type: 'frame', sourceId, width: frame.width, height: frame.height, buffer }, [buffer]);
  }

  removeSource(sourceId: string): void {
    if (!this.#closed) this.#post({ type: 'remove', sourceId });
  }

  /**
   * One composite of the given sources (by id, in tile order) into a new width×height frame.
   * `reuse` hands back a previous result to be filled again (it is detached here).
   */
  composite(
    tiles: { sourceId: string; name?: string | undefined }[],
    layout: Layout,
    width: number,
    height: number,
    options?: CompositeOptions,
    reuse?: I420Frame,
  ): Promise<CompositeResult> {
    if (this.#closed) return Promise.reject(new CompositorClosedError());
    const requestId = this.#nextId++;
    const spare = reuse && reuse.data.byteOffset === 0 && reuse.data.buffer instanceof ArrayBuffer ? reuse.data.buffer : undefined;
    return new Promise((resolve, reject) => {
      this.#pending.set(requestId, { resolve, reject });
      this.#post({ type: 'composite', requestId, width, height, tiles, layout, options, reuse: spare }, spare ? [spare] : []);
    });
  }

  /** Stops the thread; pending composites reject. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#worker.terminate();
    this.#failAll(new CompositorClosedError());
  }

  #checkOpen(): void {
    if (this.#closed) throw new CompositorClosedError();
  }

  #post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.#worker.postMessage(message, transfer);
  }

  #onMessage(m: FromWorker): void {
    const pending = this.#pending.get(m.requestId);
    if (!pending) return;
    this.#pending.delete(m.requestId);
    switch (m.type) {
      case 'composited':
        pending.resolve({ width: m.width, height: m.height, data: new Uint8Array(m.buffer), elapsedMs: m.elapsedMs, tilesDrawn: m.tilesDrawn, picturesScaled: m.picturesScaled });
        break;
      case 'failed':
        pending.reject(new Error(`composite failed in the worker: ${m.message}`));
        break;
    }
  }

  #failAll(err: Error): void {
    this.#closed = true;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}
