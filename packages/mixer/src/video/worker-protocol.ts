import type { CompositeOptions } from './composite.ts';
import type { Layout } from './layout.ts';

/** Messages between `WorkerCompositor` (main thread) and `compositor-worker.ts`. Buffers are transferred, never copied. */
export type ToWorker =
  | { type: 'frame'; sourceId: string; width: number; height: number; buffer: ArrayBuffer }
  | { type: 'remove'; sourceId: string }
  | {
      type: 'composite';
      requestId: number;
      width: number;
      height: number;
      /** Source ids in tile order; an unknown id (no frame yet) draws the name only. */
      tiles: { sourceId: string; name?: string | undefined }[];
      layout: Layout;
      options?: CompositeOptions | undefined;
      /** A spent output buffer to fill again, if the caller hands one back. */
      reuse?: ArrayBuffer | undefined;
    };

export type FromWorker =
  | { type: 'composited'; requestId: number; width: number; height: number; buffer: ArrayBuffer; elapsedMs: number; tilesDrawn: number; picturesScaled: number }
  | { type: 'failed'; requestId: number; message: string };
