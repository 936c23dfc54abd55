import { setFlagsFromString } from 'node:v8';

let applied: number | undefined;

/**
 * Sets V8's heap growing factor (`--heap-growing-percent`) for the rest of the process: after each full collection,
 * the next one starts when the heap, counting the off-heap memory allocated since, has grown by this much over
 * what survived. V8 reads the flag each time it sets that limit, so setting it after start-up takes effect at the next
 * collection. Process-wide: the first SFU that starts sets it (later calls with another value are ignored and
 * return the value in force). 0 leaves V8's own factor.
 */
export function tuneHeapGrowing(percent: number): number | undefined {
  if (applied !== undefined || percent <= 0) return applied;
  setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
  applied = Math.round(percent);
  return applied;
}
