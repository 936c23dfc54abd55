import { ActiveSpeakerDetector } from '../sfu/active-speaker.ts';
import type { Consumer } from '../sfu/consumer.ts';
import type { Producer } from '../sfu/producer.ts';
import type { SlotConsumer } from '../sfu/slot-consumer.ts';
import { AudioSlotRouting } from './audio-slots.ts';
import { defaultLayer } from './layer-policy.ts';

/** A producer as the room knows it: who publishes it and what it is. */
export interface RoutedProducer {
  producer: Producer;
  /** The publishing participant (the transport's owner). */
  ownerId: string;
  /** The publisher's section, for telling it which simulcast layers to keep sending. */
  mid: string;
  source: string;
  streamId: string;
}

export interface RouterOptions {
  now?: () => number;
  /** The dominant speaker or the set of speaking participants changed. */
  onActiveSpeaker?: (participantId: string | null, speaking: string[]) => void;
  /** Which rids of a simulcast producer someone watches changed (lowest first). */
  onLayersWanted?: (routed: RoutedProducer, rids: string[]) => void;
  /**
   * An audio-only room: each subscriber's slot consumers (`setSlots`) carry the `audioSlots` loudest publishers
   * but themselves. Video producers are still routed like in any room; the caller refuses them.
   */
  audioSlots?: number;
  /** Who is in a subscriber's slots now (participant ids, null for an empty slot). */
  onAudioSlots?: (participantId: string, slots: Array<string | null>) => void;
}

/** How the room's SFU repaired loss and thinned streams: counted over its producers and consumers, the closed ones included. */
export interface RepairStats {
  /** NACK packets sent to publishers (repeats included). */
  nacksToPublishers: number;
  /** Packets the SFU asked publishers for until it gave up: no subscriber got them. */
  lostForGood: number;
  /** Of those, VP8 media that may be of the base temporal layer: each asked the publisher for a key frame. */
  mediaLostForGood: number;
  /** Of those, VP8 media of upper temporal layers only: no key frame asked for. */
  upperLayerLostForGood: number;
  /** Packets given up on that came after all. */
  lateAfterGivingUp: number;
  /** Packets resent to subscribers for their NACKs. */
  retransmittedToSubscribers: number;
  /** NACKed packets not resent: resent less than a round trip before, or over the subscriber's resend budget. */
  resendTooSoon: number;
  resendOverBudget: number;
  /** Packets of VP8 temporal layers left out for subscribers whose link could not carry them. */
  temporalLeftOut: number;
}

/** How long an encoding nobody watches keeps being sent before the publisher is told to stop it. */
export const LAYER_DROP_DELAY_MS = 3000;

/**
 * One room's media: its producers, who consumes them, the active speaker, and which simulcast layers are
 * watched. It knows nothing about signaling; the server calls `tick` a few times a second.
 */
export class Router {
  readonly #producers = new Map<string, RoutedProducer>();
  readonly #consumers = new Map<string, Set<Consumer>>();
  readonly #wanted = new Map<string, string>();
  /** Per producer, a smaller wanted set waiting to be announced, and since when it has held. */
  readonly #dropping = new Map<string, { key: string; since: number }>();
  /** The layer each consumer's tile could use (from its size), whatever the bandwidth allows now. */
  readonly #preferred = new WeakMap<Consumer, number | undefined>();
  readonly #speakers: ActiveSpeakerDetector;
  readonly #options: RouterOptions;
  readonly #now: () => number;
  readonly #slots: AudioSlotRouting | undefined;
  /** RepairStats of producers and consumers already gone. */
  readonly #closedRepair = emptyRepairStats();

  constructor(options: RouterOptions = {}) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#speakers = new ActiveSpeakerDetector();
    if (options.audioSlots !== undefined) this.#slots = new AudioSlotRouting(options.audioSlots, (id, slots) => this.#options.onAudioSlots?.(id, slots));
  }

  /** The number of audio slots per subscriber in an audio-only room; undefined otherwise. */
  get audioSlots(): number | undefined {
    return this.#slots?.count;
  }

  get size(): number {
    return this.#producers.size;
  }

  get(producerId: string): RoutedProducer | undefined {
    return this.#producers.get(producerId);
  }

  producers(): RoutedProducer[] {
    return [...this.#producers.values()];
  }

  add(routed: RoutedProducer): void {
    this.#producers.set(routed.producer.id, routed);
    if (routed.producer.kind === 'audio') this.#slots?.addSource(routed.ownerId, routed.producer, this.#now());
  }

  /** An audio-only room's subscriber: its slot consumers in slot order (empty: it left). Throws in other rooms. */
  setSlots(participantId: string, slots: readonly SlotConsumer[]): void {
    if (!this.#slots) throw new TypeError('this router has no audio slots');
    this.#slots.setListener(participantId, slots);
  }

  /** Audio publishers, loudest first (audio-only rooms). */
  loudest(): string[] {
    return this.#slots?.ranking() ?? [];
  }

  /** Forgets a producer (the caller closes it; its consumers close with it). */
  remove(producerId: string): RoutedProducer | undefined {
    const routed = this.#producers.get(producerId);
    if (!routed) return undefined;
    this.#producers.delete(producerId);
    this.#slots?.removeSource(routed.ownerId, routed.producer);
    addProducer(this.#closedRepair, routed.producer);
    for (const consumer of this.#consumers.get(producerId) ?? []) addConsumer(this.#closedRepair, consumer);
    this.#consumers.delete(producerId);
    this.#wanted.delete(producerId);
    this.#dropping.delete(producerId);
    return routed;
  }

  addConsumer(consumer: Consumer): void {
    let set = this.#consumers.get(consumer.producer.id);
    if (!set) this.#consumers.set(consumer.producer.id, (set = new Set()));
    set.add(consumer);
  }

  /** The highest layer this consumer could use; undefined when its tile is hidden. */
  setPreferred(consumer: Consumer, layer: number | undefined): void {
    this.#preferred.set(consumer, layer);
  }

  removeConsumer(consumer: Consumer): void {
    if (this.#consumers.get(consumer.producer.id)?.delete(consumer)) addConsumer(this.#closedRepair, consumer);
  }

  repairStats(): RepairStats {
    const out = { ...this.#closedRepair };
    for (const { producer } of this.#producers.values()) addProducer(out, producer);
    for (const set of this.#consumers.values()) for (const consumer of set) addConsumer(out, consumer);
    return out;
  }

  consumerCount(): number {
    let n = 0;
    for (const set of this.#consumers.values()) n += set.size;
    return n;
  }

  /** Active speaker and wanted layers; call every ~250 ms. */
  tick(now = this.#now()): void {
    for (const routed of this.#producers.values()) {
      const level = routed.producer.kind === 'audio' && !routed.producer.paused ? routed.producer.audioLevel() : undefined;
      if (level) this.#speakers.addLevel(routed.ownerId, level.level, level.voice, now);
      if (routed.producer.rids) this.#updateWanted(routed, now);
    }
    this.#slots?.tick(now);
    const change = this.#speakers.update(now);
    if (change) this.#options.onActiveSpeaker?.(change.participantId, change.speaking);
  }

  #updateWanted(routed: RoutedProducer, now: number): void {
    const rids = routed.producer.rids as string[];
    const targets = new Set<number>();
    // A layer stays on while some tile could use it, even if that subscriber's bandwidth does not allow it now:
    // a paused encoding has no bitrate or size to choose it by, and restarting one takes a key frame.
    for (const c of this.#consumers.get(routed.producer.id) ?? []) {
      const preferred = this.#preferred.has(c) ? this.#preferred.get(c) : defaultLayer(rids.length);
      if (preferred === undefined) continue;
      for (let i = 0; i <= preferred; i++) targets.add(i);
      if (c.currentLayer !== undefined) targets.add(c.currentLayer);
    }
    // Always the lowest: a consumer that appears can start at once, and it costs little.
    targets.add(0);
    const wanted = rids.filter((_, i) => targets.has(i));
    const key = wanted.join(',');
    const id = routed.producer.id;
    const current = this.#wanted.get(id);
    if (current === key) {
      this.#dropping.delete(id);
      return;
    }
    // Turning an encoding off waits until nobody has wanted it for LAYER_DROP_DELAY_MS: the publisher's encoder is
    // reconfigured at each change, which can stall all of its layers for a moment, and tiles come and go (a
    // subscriber switching to or from the MCU downlink, a resize) faster than that. Turning one on is at once.
    const previous = current === undefined ? [] : current.split(',');
    if (current !== undefined && wanted.every((rid) => previous.includes(rid))) {
      const pending = this.#dropping.get(id);
      if (pending?.key !== key) {
        this.#dropping.set(id, { key, since: now });
        return;
      }
      if (now - pending.since < LAYER_DROP_DELAY_MS) return;
    }
    this.#dropping.delete(id);
    this.#wanted.set(id, key);
    this.#options.onLayersWanted?.(routed, wanted);
  }

  close(): void {
    this.#slots?.close();
    for (const routed of this.#producers.values()) routed.producer.close();
    this.#producers.clear();
    this.#consumers.clear();
    this.#wanted.clear();
  }
}

export function emptyRepairStats(): RepairStats {
  return { nacksToPublishers: 0, lostForGood: 0, mediaLostForGood: 0, upperLayerLostForGood: 0, lateAfterGivingUp: 0, retransmittedToSubscribers: 0, resendTooSoon: 0, resendOverBudget: 0, temporalLeftOut: 0 };
}

/** Adds `more` into `into` (rooms summed into a server's counts), every counter. */
export function addRepairStats(into: RepairStats, more: RepairStats): void {
  for (const key of Object.keys(into) as (keyof RepairStats)[]) into[key] += more[key];
}

function addProducer(into: RepairStats, producer: Producer): void {
  into.nacksToPublishers += producer.stats.nacksSent;
  into.lostForGood += producer.stats.nacksGivenUp;
  into.mediaLostForGood += producer.stats.mediaLostForGood;
  into.upperLayerLostForGood += producer.stats.upperLayerLostForGood;
  into.lateAfterGivingUp += producer.stats.lateAfterGivingUp;
}

function addConsumer(into: RepairStats, consumer: Consumer): void {
  into.retransmittedToSubscribers += consumer.stats.retransmitted;
  into.resendTooSoon += consumer.stats.resendTooSoon;
  into.resendOverBudget += consumer.stats.resendOverBudget;
  into.temporalLeftOut += consumer.stats.temporalDropped;
}
