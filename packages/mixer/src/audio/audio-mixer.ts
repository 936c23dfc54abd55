import { FRAME_SAMPLES, silentFrame } from './frame.ts';
import { JitterQueue, type JitterQueueOptions, type JitterQueueStats } from './jitter-queue.ts';
import { Limiter, type LimiterOptions } from './limiter.ts';
import { mixMinus, sumFrames } from './mix-minus.ts';

export interface AudioMixerOptions {
  /** Most frames held per input (the jitter queue's capacity). */
  jitterFrames?: number;
  /** How each input's jitter queue adapts. */
  jitter?: Omit<JitterQueueOptions, 'capacity'>;
  limiter?: LimiterOptions;
}

export interface AudioMixerStats {
  inputs: Record<string, JitterQueueStats>;
  /**
   * Input underruns that left a hole in some listener's mix (inputs that left included). An input's
   * underrun does not count when nobody but its own publisher listens: their mix leaves it out anyway.
   */
  glitches: number;
}

/**
 * One room's audio: each publisher's frames go into its own adaptive jitter queue; on every 10 ms tick
 * `mix()` takes one frame from each (silence while it buffers, or on an underrun), sums once, and gives every listener
 * the sum minus their own input, through their own limiter. Listeners who do not publish hear
 * everyone. With no inputs `mix()` returns nothing: the caller stops encoding.
 */
export class AudioMixer {
  readonly #options: AudioMixerOptions;
  readonly #inputs = new Map<string, JitterQueue>();
  readonly #listeners = new Map<string, Limiter>();
  readonly #total = new Int32Array(FRAME_SAMPLES);
  readonly #scratch = new Int32Array(FRAME_SAMPLES);
  readonly #silence = silentFrame();
  #glitches = 0;

  constructor(options: AudioMixerOptions = {}) {
    this.#options = options;
  }

  get inputCount(): number {
    return this.#inputs.size;
  }

  addInput(id: string): void {
    if (!this.#inputs.has(id)) this.#inputs.set(id, new JitterQueue({ ...this.#options.jitter, capacity: this.#options.jitterFrames }));
  }

  removeInput(id: string): void {
    const queue = this.#inputs.get(id);
    if (!queue) return;
    this.#inputs.delete(id);
  }

  addListener(id: string): void {
    if (!this.#listeners.has(id)) this.#listeners.set(id, new Limiter(this.#options.limiter));
  }

  removeListener(id: string): void {
    this.#listeners.delete(id);
  }

  /** Queues one 10 ms frame from an input; frames from unknown inputs are ignored (they have left). */
  push(id: string, frame: Int16Array): void {
    this.#inputs.get(id)?.push(frame);
  }

  /** One tick: a fresh Int16 frame per listener, or an empty map when nobody publishes. */
  mix(): Map<string, Int16Array> {
    const out = new Map<string, Int16Array>();
    if (this.#inputs.size === 0) return out;
    const frames = new Map<string, Int16Array>();
    for (const [id, queue] of this.#inputs) {
      frames.set(id, queue.pop() ?? this.#silence);
      // A hole in the mix of every listener but the input's own publisher.
      if (queue.underran && (this.#listeners.size > 1 || !this.#listeners.has(id))) this.#glitches++;
    }
    sumFrames(frames.values(), this.#total);
    for (const [id, limiter] of this.#listeners) {
      mixMinus(this.#total, frames.get(id), this.#scratch);
      out.set(id, limiter.process(this.#scratch));
    }
    return out;
  }

  get stats(): AudioMixerStats {
    const inputs: Record<string, JitterQueueStats> = {};
    for (const [id, queue] of this.#inputs) inputs[id] = queue.stats;
    return { inputs, glitches: this.#glitches };
  }
}
