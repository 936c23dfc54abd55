/**
 * NACKs the SFU sent its publisher that have not been answered yet, to be sent again: a retransmission can be lost
 * too (at 5 % loss, one in twenty), and a packet the SFU never gets is a packet no subscriber can get. RFC 4585
 * leaves the repetition policy to the receiver; here a packet is asked for again once the publisher has had time to
 * answer: 1.5 × the smoothed time first answers take, plus 5 ms (10–150 ms; 50 ms before any answer is seen). A
 * lost retransmission then costs one answer time more, not a fixed 100 ms, which at 15 fps decides whether
 * subscribers see a freeze. Each packet is asked for at most MAX_TRIES times, and given up only GIVE_UP_MS after
 * the first ask: a publisher's answers can come late (seen: Chrome probing its uplink with RTX copies and padding held
 * back its retransmissions until after the fourth ask, and 13 of the 14 packets given up in that run came after
 * all, each given-up base packet having cost a key frame). libwebrtc keeps sent packets for at least a second.
 * Bounded: beyond `capacity` outstanding packets new losses are asked for once only.
 */
const MIN_INTERVAL_MS = 10;
const MAX_INTERVAL_MS = 150;
const MAX_TRIES = 4;
/** libwebrtc's RtpPacketHistory keeps packets at least this long: an answer can come until then, none after. */
const GIVE_UP_MS = 1000;

export class NackRetries {
  readonly #entries = new Map<number, { ssrc: number; seq: number; first: number; at: number; tries: number }>();
  readonly #capacity: number;
  /** Smoothed time from a first NACK to its answer (RFC 6298-style EWMA, gain 1/8); undefined before the first. */
  #answerMs: number | undefined;
  #givenUp = 0;
  /** The last packets given up (keys), oldest first, to tell one that arrives after all. */
  readonly #givenUpRecently = new Set<number>();
  #lateAfterGivingUp = 0;

  constructor(capacity = 256) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Packets asked for `maxTries` times that never came. Not all were media: a lost padding packet (a bandwidth probe,
   * which a publisher never resends) ends here too.
   */
  get givenUp(): number {
    return this.#givenUp;
  }

  /** Packets that arrived after they were given up: asked for too few times, or for too short a time. */
  get lateAfterGivingUp(): number {
    return this.#lateAfterGivingUp;
  }

  /** How long to wait for an answer before asking again. */
  get intervalMs(): number {
    if (this.#answerMs === undefined) return 50;
    return Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, 1.5 * this.#answerMs + 5));
  }

  /** `seq` of `ssrc` was just asked for (the first time). */
  add(ssrc: number, seq: number, now: number): void {
    if (this.#entries.size >= this.#capacity) return;
    this.#entries.set(ssrc * 0x1_0000 + seq, { ssrc, seq, first: now, at: now, tries: 1 });
  }

  /** A packet arrived (late, or retransmitted): nothing more to ask for. An answer to a first ask times the publisher. */
  received(ssrc: number, seq: number, now: number): void {
    const key = ssrc * 0x1_0000 + seq;
    if (this.#givenUpRecently.delete(key)) this.#lateAfterGivingUp++;
    if (this.#entries.size === 0) return;
    const e = this.#entries.get(key);
    if (!e) return;
    this.#entries.delete(key);
    if (e.tries !== 1) return;
    const sample = Math.max(0, now - e.at);
    this.#answerMs = this.#answerMs === undefined ? sample : this.#answerMs + (sample - this.#answerMs) / 8;
  }

  /**
   * The sequence numbers to ask for again now, by SSRC. Those asked for MAX_TRIES times are not asked for again, and
   * are given up (`onGiveUp`) GIVE_UP_MS after their first ask.
   */
  due(now: number, onGiveUp?: (ssrc: number, seq: number) => void): Map<number, number[]> {
    const out = new Map<number, number[]>();
    const interval = this.intervalMs;
    for (const [key, e] of this.#entries) {
      if (e.tries >= MAX_TRIES) {
        if (now - e.first < GIVE_UP_MS) continue;
        this.#entries.delete(key);
        this.#givenUp++;
        this.#givenUpRecently.add(key);
        if (this.#givenUpRecently.size > this.#capacity) this.#givenUpRecently.delete(this.#givenUpRecently.values().next().value as number);
        onGiveUp?.(e.ssrc, e.seq);
        continue;
      }
      if (now - e.at < interval) continue;
      e.tries++;
      e.at = now;
      let list = out.get(e.ssrc);
      if (!list) out.set(e.ssrc, (list = []));
      list.push(e.seq);
    }
    return out;
  }

  /** Milliseconds until the earliest outstanding packet is due (at least 1), or undefined when none is outstanding. */
  nextDueIn(now: number): number | undefined {
    const interval = this.intervalMs;
    let earliest = Infinity;
    for (const e of this.#entries.values()) earliest = Math.min(earliest, e.tries >= MAX_TRIES ? e.first + GIVE_UP_MS : e.at + interval);
    return earliest === Infinity ? undefined : Math.max(1, earliest - now);
  }

  clear(): void {
    this.#entries.clear();
    this.#givenUpRecently.clear();
  }
}
