// Compositing cost and event-loop lag, in-thread vs worker: node --import tsx bench/mixer/composite.ts
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { composite, createI420, gridLayout, rgbToYuv, speakerLayout, WorkerCompositor, type I420Frame } from '@parley/mixer';

const OUT_W = 640;
const OUT_H = 360;
const SOURCES = 4;

function source(i: number): I420Frame {
  const f = createI420(640, 480, rgbToYuv(60 * i, 200 - 40 * i, 120));
  for (let p = 0; p < 640 * 480; p++) f.data[p] = (p * 7 + i * 31) & 255;
  return f;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

const frames = Array.from({ length: SOURCES }, (_, i) => source(i));
const inputs = frames.map((frame, i) => ({ frame, name: `Participant ${i + 1}` }));
const grid = gridLayout(SOURCES, OUT_W, OUT_H);
const speaker = speakerLayout(SOURCES, OUT_W, OUT_H);
const out = createI420(OUT_W, OUT_H);

for (let i = 0; i < 50; i++) composite(inputs, grid, out); // warm up
const times: number[] = [];
for (let i = 0; i < 300; i++) {
  const t = performance.now();
  composite(inputs, i % 2 ? grid : speaker, out);
  times.push(performance.now() - t);
}
console.log(`composite ${SOURCES}× 640x480 → ${OUT_W}x${OUT_H} in-thread: median ${median(times).toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms`);

/** Composites for `listeners` at 15 fps for `ms`, either in-thread or on the worker, and returns the event-loop delay. */
async function lag(listeners: number, ms: number, worker: WorkerCompositor | undefined): Promise<{ p99: number; max: number; workerMedian?: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const workerTimes: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (worker) {
      frames.forEach((f, i) => worker.updateFrame(`s${i}`, { ...f, data: f.data.slice() }));
      const results = await Promise.all(
        Array.from({ length: listeners }, () => worker.composite(inputs.map((x, i) => ({ sourceId: `s${i}`, name: x.name })), grid, OUT_W, OUT_H)),
      );
      workerTimes.push(...results.map((r) => r.elapsedMs));
    } else {
      for (let l = 0; l < listeners; l++) composite(inputs, grid, out);
    }
    await new Promise((r) => setTimeout(r, 1000 / 15));
  }
  h.disable();
  return { p99: h.percentile(99) / 1e6, max: h.max / 1e6, ...(worker ? { workerMedian: median(workerTimes) } : {}) };
}

const listeners = 5;
const inThread = await lag(listeners, 2000, undefined);
console.log(`event-loop delay, ${listeners} composites per frame at 15 fps, in-thread: p99 ${inThread.p99.toFixed(1)} ms, max ${inThread.max.toFixed(1)} ms`);
const worker = new WorkerCompositor();
await lag(1, 300, worker); // warm up the worker
const offThread = await lag(listeners, 2000, worker);
console.log(
  `event-loop delay, same load on the worker: p99 ${offThread.p99.toFixed(1)} ms, max ${offThread.max.toFixed(1)} ms (worker composite median ${offThread.workerMedian?.toFixed(2)} ms)`,
);
await worker.close();
