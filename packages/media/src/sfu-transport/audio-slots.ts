import { LoudestSpeakers, assignSlots, loudestFor } from '../sfu/loudest.ts';
import type { Producer } from '../sfu/producer.ts';
import type { SlotConsumer } from '../sfu/slot-consumer.ts';

interface Listener {
  slots: readonly SlotConsumer[];
  /** Who is in each slot (participant ids), as last told. */
  assigned: Array<string | null>;
}

/**
 * The routing of an audio-only room: every subscriber has the same number of slots, and each tick fills them with
 * the loudest publishers but themselves. Work per tick is O(subscribers × slots); a join or leave touches no other
 * subscriber's connection, only which producer its slot consumers take packets from.
 */
export class AudioSlotRouting {
  readonly count: number;
  readonly #speakers = new LoudestSpeakers();
  /** Each publisher's microphone. */
  readonly #sources = new Map<string, Producer>();
  readonly #listeners = new Map<string, Listener>();
  readonly #onChange: (participantId: string, slots: Array<string | null>) => void;

  constructor(count: number, onChange: (participantId: string, slots: Array<string | null>) => void) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`slot count ${count} is not a positive integer`);
    this.count = count;
    this.#onChange = onChange;
  }

  /** A publisher's audio producer (its first one counts: one voice per participant). */
  addSource(ownerId: string, producer: Producer, now: number): void {
    if (this.#sources.has(ownerId)) return;
    this.#sources.set(ownerId, producer);
    this.#speakers.add(ownerId, now);
    // Ranked last: it reaches only slots that were empty.
    this.#assignAll();
  }

  removeSource(ownerId: string, producer: Producer): void {
    if (this.#sources.get(ownerId) !== producer) return;
    this.#sources.delete(ownerId);
    this.#speakers.remove(ownerId);
    this.#assignAll();
  }

  /** A subscriber's slot consumers (in slot order); an empty list forgets it. Filled at once. */
  setListener(participantId: string, slots: readonly SlotConsumer[]): void {
    if (slots.length === 0) {
      this.#listeners.delete(participantId);
      return;
    }
    const previous = this.#listeners.get(participantId);
    const listener: Listener = { slots, assigned: slots.map((slot, i) => (previous && previous.slots[i] === slot ? (previous.assigned[i] ?? null) : null)) };
    this.#listeners.set(participantId, listener);
    this.#assign(participantId, listener, this.#speakers.ranking, true);
  }

  /**
   * Samples every source's level and re-ranks; only when the ranking moved are the subscribers' slots revisited, so a
   * quiet tick costs O(sources), not O(subscribers). Call every ~250 ms.
   */
  tick(now: number): void {
    for (const [ownerId, producer] of this.#sources) {
      const level = producer.paused ? undefined : producer.audioLevel();
      this.#speakers.addLevel(ownerId, level?.level ?? 127, level?.voice ?? false, now);
    }
    if (this.#speakers.update()) this.#assignAll();
  }

  /** Participant ids, loudest first. */
  ranking(): string[] {
    return this.#speakers.ranking;
  }

  close(): void {
    for (const listener of this.#listeners.values()) for (const slot of listener.slots) slot.setSource(null);
    this.#listeners.clear();
    this.#sources.clear();
  }

  #assignAll(): void {
    const ranking = this.#speakers.ranking;
    for (const [id, listener] of this.#listeners) this.#assign(id, listener, ranking, false);
  }

  #assign(participantId: string, listener: Listener, ranking: readonly string[], tell: boolean): void {
    const next = assignSlots(listener.assigned, loudestFor(ranking, participantId, listener.slots.length));
    let changed = tell;
    for (let i = 0; i < next.length; i++) {
      const id = next[i] ?? null;
      const slot = listener.slots[i] as SlotConsumer;
      const producer = id === null ? null : (this.#sources.get(id) ?? null);
      if (slot.source !== producer) slot.setSource(producer);
      if (listener.assigned[i] !== id) changed = true;
    }
    listener.assigned = next;
    if (changed) this.#onChange(participantId, [...next]);
  }
}
