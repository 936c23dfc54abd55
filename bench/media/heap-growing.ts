/**
 * Full garbage collections against V8's heap growing factor, for a process that makes off-heap garbage the way the
 * SFU's SRTP path does (a fresh Buffer from Node's cipher `update()` per 9.6 KB of keystream) next to a 20 MB live heap.
 * Each cell is its own child process (the factor is process-wide), run for `--seconds`; no network.
 *
 *   node --import tsx bench/media/heap-growing.ts [--seconds=8]
 *
 * Rows: off-heap garbage rate and the JS garbage that comes with it. Columns: `media.heapGrowingPercent` (0 = V8's own,
 * set as the SFU sets it: `v8.setFlagsFromString` after start-up). Figures: full (mark-compact)
 * collections, then minor ones, in the run.
 */
import { fork } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { countGarbageCollections, printTable } from '../signaling/common.ts';

const FACTORS = [0, 100, 400];
/** [label, update() calls per 10 ms tick (0: a tight loop), small JS objects per call]. */
const RATES: [string, number, number][] = [
  ['~15 MB/s, ~100 JS objects per update()', 16, 100],
  ['~150 MB/s, ~100 JS objects per update()', 160, 100],
  ['a tight loop (GB/s), no JS garbage', 0, 0],
];

interface Result {
  full: number;
  minor: number;
  rssMiB: number;
}

async function child(factor: number, perTick: number, objects: number, seconds: number): Promise<void> {
  // What the SFU's tuneHeapGrowing does; not imported, since loading @parley/server would grow the heap under test.
  if (factor > 0) setFlagsFromString(`--heap-growing-percent=${factor}`);
  const counts = countGarbageCollections();
  const live: object[] = [];
  for (let i = 0; i < 200_000; i++) live.push({ i, s: `x${i}` });
  const cipher = createCipheriv('aes-128-ecb', Buffer.alloc(16), null).setAutoPadding(false);
  const input = Buffer.alloc(9600);
  let sink = 0;
  let junk: unknown;
  const step = (): void => {
    sink += cipher.update(input)[0] as number;
    for (let k = 0; k < objects; k++) junk = { k, a: [k] };
  };
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (perTick > 0) {
      for (let i = 0; i < perTick; i++) step();
      await new Promise((r) => setTimeout(r, 10));
    } else {
      for (let i = 0; i < 1000; i++) step();
      await new Promise((r) => setImmediate(r));
    }
  }
  await new Promise((r) => setTimeout(r, 50)); // the last gc entries
  const result: Result = { ...counts, rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20) };
  process.send?.({ result, kept: live.length + (junk ? 1 : 0) + (sink & 0) });
}

function run(factor: number, perTick: number, objects: number, seconds: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    const c = fork(fileURLToPath(import.meta.url), ['--child', String(factor), String(perTick), String(objects), String(seconds)], { execArgv: ['--import', 'tsx'] });
    c.once('message', (m: { result: Result }) => resolve(m.result));
    c.once('error', reject);
    c.once('exit', (code) => code !== 0 && reject(new Error(`child exited with ${code}`)));
  });
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  const [factor, perTick, objects, seconds] = args.slice(1).map(Number) as [number, number, number, number];
  await child(factor, perTick, objects, seconds);
} else {
  const seconds = Number(args.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 8);
  if (!(seconds > 0 && seconds <= 60)) throw new Error('--seconds: 1–60');
  console.log(`# Full / minor garbage collections in ${seconds} s, 20 MB live heap, node ${process.version}\n`);
  const rows: string[][] = [];
  for (const [label, perTick, objects] of RATES) {
    const row = [label];
    for (const factor of FACTORS) {
      const r = await run(factor, perTick, objects, seconds);
      row.push(`${r.full} / ${r.minor} (${r.rssMiB} MiB)`);
    }
    rows.push(row);
  }
  printTable(['off-heap garbage', ...FACTORS.map((f) => (f === 0 ? "V8's own" : `${f}`))], rows);
}
