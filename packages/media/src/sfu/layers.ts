import type { LayerStats } from './types.ts';

/**
 * Simulcast layer choice: which encoding a subscriber's tile deserves (pure functions of stats the producer keeps),
 * and how one subscriber's bandwidth is shared among the videos it watches.
 */

export interface LayerChoiceInput {
  layers: LayerStats[];
  /** The subscriber's tile in CSS px × devicePixelRatio; 0×0 = hidden. */
  width: number;
  height: number;
}

/** A layer with no packet for this long is off (the publisher paused it, or it was never sent). */
export const LAYER_STALE_MS = 2000;
/** A layer may be up to this many times larger (longer side) than the tile: downscaling looks better than upscaling. */
export const MAX_OVERSIZE = 2;
/** Hysteresis for `allocateLayers`: an upgrade needs the budget to exceed the new sum by 15 %. */
export const UPGRADE_HEADROOM = 1.15;

function isFresh(layer: LayerStats, now: number): boolean {
  return layer.packets > 0 && layer.lastPacketAt !== undefined && now - layer.lastPacketAt <= LAYER_STALE_MS;
}

/**
 * The longer side of layer `i`: its own, else estimated from the nearest layer whose size is known, assuming each
 * layer doubles the one below (the usual scaleResolutionDownBy 4, 2, 1); undefined when no layer has a size yet.
 */
function longerSide(layers: LayerStats[], i: number): number | undefined {
  let best: number | undefined;
  let bestDistance = Infinity;
  layers.forEach((layer, j) => {
    if (layer.width === undefined || layer.height === undefined || Math.abs(i - j) >= bestDistance) return;
    best = Math.max(layer.width, layer.height) * 2 ** (i - j);
    bestDistance = Math.abs(i - j);
  });
  return best;
}

/**
 * The highest fresh layer whose longer side is at most twice the tile's longer side; when even the lowest fresh
 * layer is larger, the lowest. Without any known size, the highest fresh layer (bandwidth decides). Undefined for a
 * hidden tile or when no layer is fresh (no packets in the last 2 s).
 */
export function preferredLayer(input: LayerChoiceInput, now: number): number | undefined {
  if (input.width <= 0 || input.height <= 0) return undefined;
  const limit = Math.max(input.width, input.height) * MAX_OVERSIZE;
  let lowest: number | undefined;
  let chosen: number | undefined;
  let highest: number | undefined;
  let anySize = false;
  for (let i = 0; i < input.layers.length; i++) {
    if (!isFresh(input.layers[i] as LayerStats, now)) continue;
    lowest ??= i;
    highest = i;
    const side = longerSide(input.layers, i);
    if (side === undefined) continue;
    anySize = true;
    if (side <= limit) chosen = i;
  }
  return anySize ? (chosen ?? lowest) : highest;
}

export interface LayerAllocationInput {
  id: string;
  layers: LayerStats[];
  /** `preferredLayer` for this consumer's tile; undefined when hidden. */
  preferred: number | undefined;
  /** The layer being forwarded now (hysteresis: going back up to it needs no headroom). */
  current: number | undefined;
}

/** Layers that carry media now (a bitrate over the last second), up to `limit`, lowest first. */
export function activeAtOrBelow(layers: readonly LayerStats[], limit: number): number[] {
  const out: number[] = [];
  for (let i = 0; i <= limit && i < layers.length; i++) if ((layers[i] as LayerStats).bitrate > 0) out.push(i);
  return out;
}

/**
 * Splits a subscriber's available bitrate (bps) among its video consumers. Every visible consumer first gets its
 * lowest active layer, in the order given (put the active speaker first), as long as the sum stays within budget
 * (a consumer whose base layer does not fit is paused: undefined). Then the cheapest next step among all
 * consumers is taken, again and again, up to each one's preferred layer, while the sum stays within budget; a step
 * above a consumer's current layer needs the budget to exceed the new sum by 15 % (no flapping at the edge).
 */
export function allocateLayers(budget: number, consumers: LayerAllocationInput[]): Map<string, number | undefined> {
  const result = new Map<string, number | undefined>();
  const ladders: number[][] = [];
  const position: number[] = [];
  let sum = 0;
  for (const c of consumers) {
    const ladder = c.preferred === undefined ? [] : activeAtOrBelow(c.layers, c.preferred);
    const base = ladder[0];
    const cost = base === undefined ? 0 : (c.layers[base] as LayerStats).bitrate;
    if (base === undefined || sum + cost > budget) {
      result.set(c.id, undefined);
      ladders.push([]);
      position.push(-1);
      continue;
    }
    sum += cost;
    result.set(c.id, base);
    ladders.push(ladder);
    position.push(0);
  }
  // Each pass takes one step up some ladder, so there are at most (total layers) passes.
  for (;;) {
    let best = -1;
    let bestStep = Infinity;
    consumers.forEach((c, k) => {
      const ladder = ladders[k] as number[];
      const at = position[k] as number;
      if (at < 0 || at + 1 >= ladder.length) return;
      const next = ladder[at + 1] as number;
      const step = (c.layers[next] as LayerStats).bitrate - (c.layers[ladder[at] as number] as LayerStats).bitrate;
      const back = c.current !== undefined && next <= c.current; // regaining the current layer needs no headroom
      if ((back ? sum + step : (sum + step) * UPGRADE_HEADROOM) > budget || step >= bestStep) return;
      bestStep = step;
      best = k;
    });
    if (best < 0) break;
    sum += bestStep;
    position[best] = (position[best] as number) + 1;
    result.set((consumers[best] as LayerAllocationInput).id, (ladders[best] as number[])[position[best] as number]);
  }
  return result;
}

/**
 * Which rids any consumer targets (the union, lowest first), for pausing unwatched encodings at the publisher;
 * always at least the lowest, so a new subscriber can start at once.
 */
export function wantedLayers(rids: readonly string[], targets: Iterable<number | undefined>): string[] {
  const wanted = new Set<number>([0]);
  for (const t of targets) if (t !== undefined && t >= 0 && t < rids.length) wanted.add(t);
  return rids.filter((_, i) => wanted.has(i));
}
