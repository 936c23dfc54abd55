import type { Consumer } from '../sfu/consumer.ts';
import { activeAtOrBelow, allocateLayers } from '../sfu/layers.ts';
import type { LayerStats } from '../sfu/producer.ts';

/** A subscriber's tile for one producer, in device pixels; 0×0 when hidden. */
export interface Preference {
  width: number;
  height: number;
}

export interface LayerChoice {
  /** The layer to forward now; undefined pauses the consumer. */
  layer: number | undefined;
  /** The highest VP8 temporal layer of it to forward (ALL_TEMPORAL: every one). */
  temporal: number;
  /** The highest layer the tile could use, bandwidth permitting (undefined: hidden). */
  preferred: number | undefined;
}

/** Every temporal layer (VP8's TID has two bits). */
export const ALL_TEMPORAL = 3;
/** Taking up a temporal layer needs the budget to exceed its cost by this much, as a simulcast step does. */
const TEMPORAL_UP_HEADROOM = 1.15;

/** What an Opus stream costs a subscriber, reserved before video shares the rest (RFC 7587 §3.1.1: 6–510 kbps; WebRTC voice ~32–40). */
const AUDIO_RESERVE_BPS = 48_000;

/**
 * A tile whose size the subscriber has not told yet gets at most the middle layer (360p of a 720p camera): enough
 * for a grid tile, and the full layer is not started at every publisher before anybody is known to need it.
 */
export function defaultLayer(layerCount: number): number {
  return Math.min(1, layerCount - 1);
}

/**
 * The smallest layer at least as tall as the tile (within 10 %), else the tallest. A layer whose size we have not
 * seen (paused at the publisher, or no key frame yet) is assumed to be half the height of the one above it, the
 * scaling the SDK publishes with.
 */
export function layerForTile(layers: readonly LayerStats[], tile: Preference | undefined): number | undefined {
  const top = layers.length - 1;
  if (!tile) return defaultLayer(layers.length);
  if (tile.width === 0 || tile.height === 0) return undefined;
  const known = layers.findLastIndex((l) => l.height !== undefined);
  const heights = layers.map((l, i) => l.height ?? (known >= 0 ? (layers[known]?.height as number) / 2 ** (known - i) : 720 / 2 ** (top - i)));
  for (let i = 0; i <= top; i++) if ((heights[i] as number) >= tile.height * 0.9) return i;
  return top;
}

export interface LayerChoices {
  choices: Map<Consumer, LayerChoice>;
  /**
   * Some visible tile's lowest layer did not fit the estimate (after the voices and the tiles before it): the SFU
   * has no lower layer left to drop to and sends more than the estimate.
   */
  starved: boolean;
}

/**
 * One subscriber's layer choice: each visible video consumer's preferred layer from its tile, then the bandwidth
 * estimate shared among them (audio first) by `allocateLayers`, or, when not every lowest layer fits, by frame rate
 * (`thinEvenly`). `starvedTemporal` (TemporalCeiling) caps the temporal layers of a starved downlink.
 */
export function chooseLayers(estimate: number, consumers: readonly Consumer[], preferences: ReadonlyMap<string, Preference>, pauseStarved = false, starvedTemporal = ALL_TEMPORAL): LayerChoices {
  const out = new Map<Consumer, LayerChoice>();
  let starved = false;
  const video: Consumer[] = [];
  let budget = estimate;
  for (const c of consumers) {
    if (c.kind === 'audio') budget -= AUDIO_RESERVE_BPS;
    else video.push(c);
  }
  const inputs = video.map((c) => {
    const layers = c.producer.layers();
    const preferred = c.producer.rids ? layerForTile(layers, preferences.get(c.producer.id)) : preferences.get(c.producer.id)?.height === 0 ? undefined : 0;
    // The lowest layer carrying media that the tile could use (undefined: hidden, or nothing sent yet).
    const lowest = preferred === undefined ? undefined : activeAtOrBelow(layers, preferred)[0];
    return { id: c.id, consumer: c, layers, preferred, lowest, current: c.currentLayer };
  });
  const allocation = allocateLayers(Math.max(0, budget), inputs);
  // Some visible tile's lowest layer did not fit: then every tile goes to its lowest layer, at as many temporal layers
  // as fit, shared evenly (each at half the frame rate rather than one at full and one at a quarter).
  const unplaced = inputs.some((i) => i.lowest !== undefined && allocation.get(i.id) === undefined);
  const thinned = unplaced ? thinEvenly(Math.max(0, budget), inputs) : undefined;
  for (const input of inputs) {
    const even = thinned?.get(input.consumer);
    if (even) {
      out.set(input.consumer, { ...even, preferred: input.preferred });
      continue;
    }
    const allocated = allocation.get(input.id);
    if (input.preferred === undefined || allocated !== undefined) {
      out.set(input.consumer, { layer: allocated, temporal: ALL_TEMPORAL, preferred: input.preferred });
      continue;
    }
    // A tile whose publisher sends nothing yet (or no more) waits on its lowest layer: nothing to fit, not starved.
    if (input.lowest === undefined) {
      out.set(input.consumer, { layer: 0, temporal: ALL_TEMPORAL, preferred: input.preferred });
      continue;
    }
    // A visible tile keeps its lowest layer anyway: pausing costs a key frame and seconds of frozen video to resume,
    // and a transient estimate dip (a busy receiver looks like queueing delay) would otherwise freeze every tile at
    // once. Paused (`pauseStarved`) when even its base temporal layer lost too much: sending it anyway would lose
    // voices and signaling too.
    starved = true;
    out.set(input.consumer, { layer: pauseStarved ? undefined : 0, temporal: ALL_TEMPORAL, preferred: input.preferred });
  }
  // Starved on a link that lost (TemporalCeiling: the link, not a dip of the estimate), every tile on its lowest layer
  // forwards at most `starvedTemporal`, the one that fitted first as well: each tile at half the frame rate rather
  // than one at full and one at a quarter, and less for the voices to lose. Not on starvation alone: an estimate
  // dipping under a busy CPU then cut tiles to 3.75 fps in the mesh → SFU switch (docs/benchmarks.md, session 8).
  if (starved && starvedTemporal < ALL_TEMPORAL) {
    for (const input of inputs) {
      const choice = out.get(input.consumer);
      if (choice?.layer !== undefined && choice.layer === (input.lowest ?? 0)) choice.temporal = Math.min(choice.temporal, starvedTemporal);
    }
  }
  return { choices: out, starved };
}

/**
 * Every visible tile on its lowest active layer, each at as many temporal layers as fit `budget`, raised one step at
 * a time in turn (so they differ by at most one step, the tiles given first ahead); undefined when not even every
 * base temporal layer fits. A tile without temporal layers (VP9, H.264, or VP8 without TIDs) counts whole. Taking up
 * a temporal layer beyond the one forwarded now needs 15 % headroom, as a simulcast step does.
 */
function thinEvenly(budget: number, inputs: readonly { consumer: Consumer; layers: LayerStats[]; lowest: number | undefined }[]): Map<Consumer, { layer: number; temporal: number }> | undefined {
  const tiles: { consumer: Consumer; layer: number; costs: number[]; level: number }[] = [];
  let sum = 0;
  for (const input of inputs) {
    const layer = input.lowest;
    const stats = layer === undefined ? undefined : input.layers[layer];
    if (layer === undefined || !stats) continue;
    const rates = stats.temporalBitrates;
    // What forwarding TIDs 0…t costs, for each t (the last: the whole layer).
    let cumulative = 0;
    const costs = rates && rates.length >= 2 ? rates.map((rate) => (cumulative += rate)) : [stats.bitrate];
    tiles.push({ consumer: input.consumer, layer, costs, level: 0 });
    sum += costs[0] as number;
  }
  if (sum > budget) return undefined;
  for (let raised = true; raised; ) {
    raised = false;
    for (const tile of tiles) {
      const next = tile.level + 1;
      if (next >= tile.costs.length) continue;
      const after = sum - (tile.costs[tile.level] as number) + (tile.costs[next] as number);
      const back = tile.consumer.currentLayer === tile.layer && temporalOf(next, tile.costs.length) <= tile.consumer.maxTemporalLayer;
      if ((back ? after : after * TEMPORAL_UP_HEADROOM) > budget) continue;
      sum = after;
      tile.level = next;
      raised = true;
    }
  }
  return new Map(tiles.map((t) => [t.consumer, { layer: t.layer, temporal: temporalOf(t.level, t.costs.length) }]));
}

/** The highest TID forwarded at `level` of a layer with `levels` temporal levels (the last one: all of them). */
function temporalOf(level: number, levels: number): number {
  return level >= levels - 1 ? ALL_TEMPORAL : level;
}
