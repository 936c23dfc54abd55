import { Emitter } from '../emitter.ts';
import type { Room } from '../room.ts';
import { computeSample, reduceReport, type PeerStatsSample, type RawStats } from './compute.ts';

export type StatsEvents = { updated: [] };

/**
 * Samples every remote participant's connection once a second and keeps the last minute, for the
 * stats panel's numbers and graphs and the tiles' quality marks. Runs only while started.
 */
export class StatsCollector extends Emitter<StatsEvents> {
  readonly #room: Room;
  readonly #historyLength: number;
  readonly #raw = new Map<string, RawStats>();
  readonly #history = new Map<string, PeerStatsSample[]>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #busy = false;

  constructor(room: Room, options: { historyLength?: number } = {}) {
    super();
    this.#room = room;
    this.#historyLength = options.historyLength ?? 60;
    room.on('participantLeft', (p) => {
      this.#raw.delete(p.id);
      this.#history.delete(p.id);
    });
  }

  start(intervalMs = 1000): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.sample(), intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The latest sample for a participant. */
  latest(participantId: string): PeerStatsSample | undefined {
    return this.#history.get(participantId)?.at(-1);
  }

  /** Up to the last minute of samples, oldest first. */
  history(participantId: string): readonly PeerStatsSample[] {
    return this.#history.get(participantId) ?? [];
  }

  async sample(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      for (const p of this.#room.participants.values()) {
        // The mesh peer, or in an SFU room the SFU connection narrowed to this participant's tracks.
        const source = this.#room.statsSource(p.id);
        if (!source || source.pc.connectionState === 'closed') continue;
        const report = await source.pc.getStats();
        const raw = reduceReport(source.select(report.values() as Iterable<Record<string, unknown> & { id: string; type: string }>), Date.now());
        const sample = computeSample(this.#raw.get(p.id), raw);
        this.#raw.set(p.id, raw);
        const list = this.#history.get(p.id) ?? [];
        list.push(sample);
        if (list.length > this.#historyLength) list.shift();
        this.#history.set(p.id, list);
      }
    } finally {
      this.#busy = false;
    }
    this.emit('updated');
  }
}
