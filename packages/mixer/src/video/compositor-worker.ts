import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { CompositeCache } from './composite-cache.ts';
import { i420ByteLength } from './i420.ts';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

/**
 * The compositor thread: keeps each source's latest frame (transferred in once, however many
 * listeners' composites use it) and answers composite requests with a transferred output buffer.
 * The cache scales each frame once per picture size and redraws only the tiles that changed.
 */
const port = parentPort;
if (!port) throw new Error('compositor-worker.ts runs only as a worker thread');

const cache = new CompositeCache();

function reply(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'frame':
      try {
        cache.setFrame(message.sourceId, { width: message.width, height: message.height, data: new Uint8Array(message.buffer) });
      } catch {
        // Checked on the main thread already; a malformed frame is simply not kept.
      }
      break;
    case 'remove':
      cache.removeSource(message.sourceId);
      break;
    case 'composite': {
      try {
        const start = performance.now();
        const size = i420ByteLength(message.width, message.height);
        const buffer = message.reuse?.byteLength === size ? message.reuse : new ArrayBuffer(size);
        const out = { width: message.width, height: message.height, data: new Uint8Array(buffer) };
        const work = cache.composite(message.tiles, message.layout, out, message.options);
        reply({ type: 'composited', requestId: message.requestId, width: out.width, height: out.height, buffer, elapsedMs: performance.now() - start, ...work }, [buffer]);
      } catch (err) {
        reply({ type: 'failed', requestId: message.requestId, message: err instanceof Error ? err.message : String(err) });
      }
      break;
    }
  }
});
