/**
 * Who fills the audio slots of an audio-only room: a ranking of the room's audio publishers by recent loudness
 * (RFC 6464 levels), with hysteresis so that slots do not flap between two voices of about the same level.
 *
 * Loudness of a sample = 127 − level (−dBov) when the V bit is set, else 0, as in `ActiveSpeakerDetector`. Each
 * participant's score is an exponential average of its samples with time constant `smoothingMs`. The ranking
 * keeps its order unless a participant's score beats the one ranked just above by more than `switchMargin`:
 * then they swap (repeatedly, so a loud newcomer climbs to the top in one update). Newcomers start last.
 */
export interface LoudestOptions {
  /** Time constant of the score's exponential average (default 400 ms). */
  smoothingMs?: number;
  /** A participant overtakes the one above only by more than this (default 6, i.e. ~6 dB). */
  switchMargin?: number;
}

interface Scored {
  id: string;
  score: number;
  at: number;
}

export class LoudestSpeakers {
  readonly #smoothingMs: number;
  readonly #margin: number;
  /** The ranking, loudest first. */
  #ranking: Scored[] = [];
  readonly #byId = new Map<string, Scored>();

  constructor(options: LoudestOptions = {}) {
    this.#smoothingMs = options.smoothingMs ?? 400;
    this.#margin = options.switchMargin ?? 6;
  }

  /** Ids, loudest first (as of the last `update`). */
  get ranking(): string[] {
    return this.#ranking.map((s) => s.id);
  }

  /** A publisher to rank (its first sample, or none yet: it starts last). */
  add(id: string, now: number): void {
    if (this.#byId.has(id)) return;
    const scored = { id, score: 0, at: now };
    this.#byId.set(id, scored);
    this.#ranking.push(scored);
  }

  remove(id: string): void {
    if (!this.#byId.delete(id)) return;
    this.#ranking = this.#ranking.filter((s) => s.id !== id);
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** One sample: `level` in −dBov (0–127), `voice` the RFC 6464 V bit. Unknown ids are added. */
  addLevel(id: string, level: number, voice: boolean, now: number): void {
    this.add(id, now);
    const scored = this.#byId.get(id) as Scored;
    const loudness = voice ? 127 - Math.min(127, Math.max(0, level)) : 0;
    const dt = Math.max(0, now - scored.at);
    const alpha = 1 - Math.exp(-dt / this.#smoothingMs);
    scored.score += (loudness - scored.score) * alpha;
    scored.at = now;
  }

  score(id: string): number | undefined {
    return this.#byId.get(id)?.score;
  }

  /** Re-ranks; true when the order changed. */
  update(): boolean {
    const r = this.#ranking;
    let changed = false;
    // Adjacent swaps only past the margin: each swap removes one pair ranked against its scores by more than the
    // margin and creates none, so this ends (at most n² swaps, and in practice a handful).
    for (let swapped = true; swapped;) {
      swapped = false;
      for (let i = 1; i < r.length; i++) {
        const above = r[i - 1] as Scored;
        const below = r[i] as Scored;
        if (below.score <= above.score + this.#margin) continue;
        r[i - 1] = below;
        r[i] = above;
        swapped = changed = true;
      }
    }
    return changed;
  }
}

/**
 * The `count` loudest of `ranking` that `listener` should hear: never their own voice (the next loudest instead).
 */
export function loudestFor(ranking: readonly string[], listener: string, count: number): string[] {
  const out: string[] = [];
  for (const id of ranking) {
    if (out.length === count) break;
    if (id !== listener) out.push(id);
  }
  return out;
}

/**
 * New slot contents: whoever stays keeps their slot (a subscriber's player for a voice does not move); newcomers
 * take the slots that were freed, in `wanted` order; unused slots are null.
 */
export function assignSlots(previous: ReadonlyArray<string | null>, wanted: readonly string[]): Array<string | null> {
  const keep = new Set(wanted);
  const next = previous.map((id) => (id !== null && keep.has(id) ? id : null));
  const placed = new Set(next);
  let free = 0;
  for (const id of wanted) {
    if (placed.has(id)) continue;
    while (free < next.length && next[free] !== null) free++;
    if (free === next.length) break;
    next[free] = id;
  }
  return next;
}
