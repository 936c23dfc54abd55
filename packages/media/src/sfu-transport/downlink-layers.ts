import type { Consumer } from '../sfu/consumer.ts';
import { CongestionPause } from './congestion-pause.ts';
import { chooseLayers, type Preference } from './layer-policy.ts';
import type { Router } from './router.ts';
import { TemporalCeiling } from './temporal-ceiling.ts';
import { UpgradeGuard } from './upgrade-guard.ts';

/** How often each subscriber's layers are chosen again. */
const LAYER_INTERVAL_MS = 250;
/** How long a new consumer stays on the lowest layer. */
const WARM_UP_MS = 2500;

/**
 * What one subscriber receives of each video it subscribes to: the layer its tile size and downlink estimate allow
 * (layer-policy.ts), steadied against flapping (UpgradeGuard, a warm-up on the lowest layer), and the pause of what
 * does not fit a congested link (CongestionPause). The transport feeds it tile sizes, new consumers and ticks.
 */
export class DownlinkLayers {
  readonly #router: Router;
  readonly #preferences = new Map<string, Preference>();
  readonly #started = new WeakMap<Consumer, number>();
  readonly #upgrades = new UpgradeGuard();
  readonly #congestion = new CongestionPause();
  readonly #temporal = new TemporalCeiling();
  #chosenAt = -Infinity;

  constructor(router: Router) {
    this.#router = router;
  }

  /** Whether the video that does not fit is paused because the downlink is congested (see CongestionPause). */
  get paused(): boolean {
    return this.#congestion.paused;
  }

  /** Whether the subscriber's link, not the layer choice, is what limits (see CongestionPause). */
  get congested(): boolean {
    return this.#congestion.congested;
  }

  /** A consumer starts (its warm-up on the lowest layer counts from now). */
  started(consumer: Consumer, now: number): void {
    this.#started.set(consumer, now);
  }

  /** The subscriber's tile size for a producer it receives (0×0: hidden). */
  setPreference(producerId: string, width: number, height: number): void {
    this.#preferences.set(producerId, { width, height });
  }

  preferenceOf(producerId: string): Preference | undefined {
    return this.#preferences.get(producerId);
  }

  /**
   * Forgets the tile sizes of producers no longer consumed: a size belongs to a subscription, and one that ended (the
   * subscriber left the SFU streams for the MCU's, say) must not hide or shrink the next, which starts from the default.
   */
  keepOnly(consumed: ReadonlySet<string>): void {
    for (const producerId of this.#preferences.keys()) if (!consumed.has(producerId)) this.#preferences.delete(producerId);
  }

  /** Chooses every consumer's layer again (at most every LAYER_INTERVAL_MS): pauses, resumes, switches. */
  tick(now: number, consumers: readonly Consumer[], estimate: number, lossRate: number): void {
    // A switch waits for a key frame anyway: four times a second is enough.
    if (now - this.#chosenAt < LAYER_INTERVAL_MS) return;
    this.#chosenAt = now;
    const { choices, starved } = chooseLayers(estimate, consumers, this.#preferences, this.#congestion.paused, this.#temporal.ceiling);
    this.#congestion.update(now, starved, lossRate);
    this.#temporal.update(now, starved, this.#congestion.congested);
    for (const [consumer, choice] of choices) {
      this.#router.setPreferred(consumer, choice.preferred);
      if (choice.layer === undefined) {
        if (!consumer.paused) consumer.pause();
        continue;
      }
      if (consumer.paused) consumer.resume();
      if (consumer.maxTemporalLayer !== choice.temporal) consumer.setMaxTemporalLayer(choice.temporal);
      // A new subscription stays on the lowest layer for its first seconds: its first frames come sooner, and a
      // subscriber taking on many streams at once (a room switching to the SFU) decodes small ones while its
      // old connections wind down.
      const warming = now - (this.#started.get(consumer) ?? 0) < WARM_UP_MS;
      let layer = warming ? 0 : choice.layer;
      if (layer > consumer.targetLayer) {
        if (!warming && !this.#upgrades.canUpgrade(now)) layer = consumer.targetLayer;
        else if (!warming) this.#upgrades.upgraded(now);
      } else if (layer < consumer.targetLayer && (choice.preferred === undefined || layer < choice.preferred)) {
        this.#upgrades.downgraded(now);
      }
      if (consumer.targetLayer !== layer) consumer.setTargetLayer(layer);
    }
  }
}
