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
 * estimate shared among them (audio first) by `allocateLayers`.
 */
export function chooseLayers(estimate: number, consumers: readonly Consumer[], preferences: ReadonlyMap<string, Preference>, pauseStarved = false, thinStarved = false): LayerChoices {
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
    return { id: c.id, consumer: c, layers, preferred, current: c.currentLayer };
  });
  const allocation = allocateLayers(Math.max(0, budget), inputs);
  let left = Math.max(0, budget);
  for (const input of inputs) {
    const allocated = allocation.get(input.id);
    if (allocated !== undefined) left -= input.layers[allocated]?.bitrate ?? 0;
  }
  for (const input of inputs) {
    const allocated = allocation.get(input.id);
    if (input.preferred === undefined || allocated !== undefined) {
      out.set(input.consumer, { layer: allocated, temporal: ALL_TEMPORAL, preferred: input.preferred });
      continue;
    }
    // Not even the lowest layer fits what is left: its lower temporal layers may (a lower frame rate, no pause).
    const thin = thinnedBase(input.layers, input.preferred, left, input.consumer.currentLayer, input.consumer.maxTemporalLayer);
    if (thin) {
      left -= thin.cost;
      out.set(input.consumer, { layer: thin.layer, temporal: thin.temporal, preferred: input.preferred });
      continue;
    }
    // A visible tile keeps its lowest layer anyway: pausing costs a key frame and seconds of frozen video to resume,
    // and a transient estimate dip (a busy receiver looks like queueing delay) would otherwise freeze every tile at
    // once. With `thinStarved` (starved and losing: the link, not a dip) only its base temporal layer: a quarter of
    // the frame rate for about 60 % of the bits, so that the voices are not the ones to lose. Not on starvation
    // alone: an estimate dipping under a busy CPU then cut tiles to 3.75 fps in the mesh → SFU switch. Paused
    // (`pauseStarved`) when even that lost too much: sending it anyway would lose voices and signaling too.
    starved = true;
    out.set(input.consumer, { layer: pauseStarved ? undefined : 0, temporal: thinStarved ? 0 : ALL_TEMPORAL, preferred: input.preferred });
  }
  return { choices: out, starved };
}

/**
 * The most temporal layers of the lowest active layer that fit `budget` (fewer than all: all did not fit), with its
 * cost; undefined when the layer has no temporal layers or not even the base one fits. Taking up a layer beyond the
 * one forwarded now needs 15 % headroom.
 */
function thinnedBase(layers: readonly LayerStats[], preferred: number, budget: number, current: number | undefined, currentTemporal: number): { layer: number; temporal: number; cost: number } | undefined {
  const layer = activeAtOrBelow(layers, preferred)[0];
  const rates = layer === undefined ? undefined : layers[layer]?.temporalBitrates;
  if (layer === undefined || !rates || rates.length < 2) return undefined;
  let best: { layer: number; temporal: number; cost: number } | undefined;
  let cost = 0;
  for (let t = 0; t < rates.length - 1; t++) {
    cost += rates[t] as number;
    const up = current !== layer || t > currentTemporal;
    if ((up ? cost * TEMPORAL_UP_HEADROOM : cost) > budget) break;
    best = { layer, temporal: t, cost };
  }
  return best;
}
