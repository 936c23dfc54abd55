import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { composite } from './composite.ts';
import { i420ByteLength, type I420Frame } from './i420.ts';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

/**
 * The compositor thread: keeps each source's latest frame (transferred in once, however many
 * listeners' composites use it) and answers composite requests with a transferred output buffer.
 */
const port = parentPort;
if (!port) throw new Error('compositor-worker.ts runs only as a worker thread');

const latest = new Map<string, I420Frame>();

function reply(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'frame':
      latest.set(message.sourceId, { width: message.width, height: message.height, data: new Uint8Array(message.buffer) });
      break;
    case 'remove':
      latest.delete(message.sourceId);
      break;
    case 'composite': {
      try {
        const start = performance.now();
        const size = i420ByteLength(message.width, message.height);
        const buffer = message.reuse?.byteLength === size ? message.reuse : new ArrayBuffer(size);
        const out = { width: message.width, height: message.height, data: new Uint8Array(buffer) };
        const inputs = message.tiles.map((t) => ({ frame: latest.get(t.sourceId), name: t.name }));
        composite(inputs, message.layout, out, message.options);
        reply({ type: 'composited', requestId: message.requestId, width: out.width, height: out.height, buffer, elapsedMs: performance.now() - start }, [buffer]);
      } catch (err) {
        reply({ type: 'failed', requestId: message.requestId, message: err instanceof Error ? err.message : String(err) });
      }
      break;
    }
  }
});
