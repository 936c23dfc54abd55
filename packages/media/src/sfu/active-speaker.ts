/**
 * Dominant speaker and "who is speaking" from RFC 6464 audio levels (0 = loudest … 127 = silence, −dBov, with a
 * voice-activity bit), fed a few times a second per participant (e.g. from `Producer.audioLevel()`).
 *
 * Loudness of a sample = 127 − level when the V bit is set, else 0 (noise the sender's VAD rejected does not count).
 * A participant's score is the mean loudness of its samples in the last `windowMs`.
 */
export interface ActiveSpeakerOptions {
  /** Scoring window for the dominant speaker (default 1000 ms). */
  windowMs?: number;
  /** A participant is "speaking" with a voiced sample this recent (default 500 ms). */
  speakingMs?: number;
  /** Minimum score to become dominant (default 30: e.g. voiced at −60 dBov about half the time). */
  minScore?: number;
  /** A challenger must beat the dominant speaker's score by this much (default 6, i.e. ~6 dB). */
  switchMargin?: number;
  /** No new dominant speaker sooner than this after the last change (default 1000 ms). */
  minDwellMs?: number;
}

export interface ActiveSpeakerChange {
  participantId: string | null;
  /** Sorted ids. */
  speaking: string[];
}

const SAMPLES = 64; // per participant: 6 s at the router's 4 Hz, well over any window

class Samples {
  readonly at = new Float64Array(SAMPLES).fill(-Infinity);
  readonly loudness = new Uint8Array(SAMPLES);
  next = 0;
}

export class ActiveSpeakerDetector {
  readonly #windowMs: number;
  readonly #speakingMs: number;
  readonly #minScore: number;
  readonly #margin: number;
  readonly #dwellMs: number;
  readonly #participants = new Map<string, Samples>();
  #dominant: string | null = null;
  #changedAt = -Infinity;
  #speaking: string[] = [];

  constructor(options: ActiveSpeakerOptions = {}) {
    this.#windowMs = options.windowMs ?? 1000;
    this.#speakingMs = options.speakingMs ?? 500;
    this.#minScore = options.minScore ?? 30;
    this.#margin = options.switchMargin ?? 6;
    this.#dwellMs = options.minDwellMs ?? 1000;
  }

  get dominant(): string | null {
    return this.#dominant;
  }

  /** One sample: `level` in −dBov (0–127), `voice` the RFC 6464 V bit. */
  addLevel(participantId: string, level: number, voice: boolean, now: number): void {
    let samples = this.#participants.get(participantId);
    if (!samples) this.#participants.set(participantId, (samples = new Samples()));
    samples.at[samples.next] = now;
    samples.loudness[samples.next] = voice ? 127 - Math.min(127, Math.max(0, Math.round(level))) : 0;
    samples.next = (samples.next + 1) % SAMPLES;
  }

  /** The participant left: forget it (if it was dominant, the next update picks another or none). */
  remove(participantId: string): void {
    this.#participants.delete(participantId);
    if (this.#dominant === participantId) {
      this.#dominant = null;
      this.#changedAt = -Infinity;
    }
  }

  /** Recomputes; returns the new state when the dominant speaker or the speaking set changed, else undefined. */
  update(now: number): ActiveSpeakerChange | undefined {
    let best: string | null = null;
    let bestScore = -1;
    let dominantScore = 0;
    const speaking: string[] = [];
    for (const [id, samples] of this.#participants) {
      const score = this.#score(samples, now);
      if (score > bestScore) {
        best = id;
        bestScore = score;
      }
      if (id === this.#dominant) dominantScore = score;
      if (this.#spokeSince(samples, now - this.#speakingMs)) speaking.push(id);
    }
    speaking.sort();
    let dominantChanged = false;
    if (best !== null && best !== this.#dominant && bestScore >= this.#minScore) {
      // An empty seat is taken at once; an incumbent is replaced only by a clearly louder voice, and not too often.
      const replace = this.#dominant === null || (bestScore >= dominantScore + this.#margin && now - this.#changedAt >= this.#dwellMs);
      if (replace) {
        this.#dominant = best;
        this.#changedAt = now;
        dominantChanged = true;
      }
    }
    const speakingChanged = speaking.length !== this.#speaking.length || speaking.some((id, i) => id !== this.#speaking[i]);
    if (speakingChanged) this.#speaking = speaking;
    if (!dominantChanged && !speakingChanged) return undefined;
    return { participantId: this.#dominant, speaking: [...this.#speaking] };
  }

  #score(samples: Samples, now: number): number {
    const since = now - this.#windowMs;
    let sum = 0;
    let count = 0;
    for (let i = 0; i < SAMPLES; i++) {
      if ((samples.at[i] as number) < since || (samples.at[i] as number) > now) continue;
      sum += samples.loudness[i] as number;
      count++;
    }
    return count === 0 ? 0 : sum / count;
  }

  #spokeSince(samples: Samples, since: number): boolean {
    for (let i = 0; i < SAMPLES; i++) if ((samples.at[i] as number) >= since && (samples.loudness[i] as number) > 0) return true;
    return false;
  }
}
