/**
 * Parley's side of the load client: a signaling session (hello → welcome) and the SFU offer/answer exchange
 * (`sfuOffer` → response `data.sdp`), with producers learnt from the welcome and `producerAdded`.
 */
import type { ProducerInfo, ServerMessage } from '@parley/protocol';
import { BenchClient } from '../signaling/ws-client.ts';
import { withTimeout } from '../signaling/common.ts';

export interface SfuOfferRequest {
  sdp: string;
  publish: Array<{ mid: string; source: 'camera' | 'microphone' }>;
  subscribe: Array<{ mid: string; producerId: string }>;
}

export class ParleySignal {
  readonly client: BenchClient;
  readonly producers = new Map<string, ProducerInfo>();
  readonly #pending = new Map<string, { resolve: (data: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;

  private constructor(url: string, token: string) {
    this.client = new BenchClient({ url, token, onMessage: (m) => this.#onMessage(m) });
  }

  static async connect(url: string, token: string, timeoutMs = 15_000): Promise<ParleySignal> {
    const s = new ParleySignal(url, token);
    const welcome = await s.client.connect(timeoutMs);
    for (const p of welcome.room.producers) s.producers.set(p.id, p);
    return s;
  }

  get participantId(): string {
    return this.client.participantId;
  }

  /** Sends the offer; resolves with the answer SDP, rejects with the server's `{code, message}`. */
  async sfuOffer(req: SfuOfferRequest, timeoutMs = 15_000): Promise<string> {
    const id = `o${this.#nextId++}`;
    const reply = new Promise<unknown>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.client.send(JSON.stringify({ type: 'sfuOffer', id, ...req }));
    try {
      const data = (await withTimeout(reply, timeoutMs, 'sfuOffer response')) as { sdp?: unknown } | undefined;
      if (typeof data?.sdp !== 'string') throw new Error(`sfuOffer response without data.sdp: ${JSON.stringify(data).slice(0, 200)}`);
      return data.sdp;
    } finally {
      this.#pending.delete(id);
    }
  }

  /** Waits (bounded) until producers from at least `n` participants other than us are known. */
  async waitForProducers(count: number, timeoutMs: number): Promise<ProducerInfo[]> {
    const until = performance.now() + timeoutMs;
    while (this.producers.size < count) {
      if (performance.now() > until) throw new Error(`only ${this.producers.size} of ${count} producers announced after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return [...this.producers.values()];
  }

  close(): void {
    this.client.close();
  }

  #onMessage(m: ServerMessage): void {
    if (m.type === 'producerAdded') this.producers.set(m.producer.id, m.producer);
    else if (m.type === 'producerRemoved') this.producers.delete(m.producerId);
    else if (m.type === 'response') {
      const p = this.#pending.get(m.id);
      if (!p) return;
      if (m.ok) p.resolve(m.data);
      else p.reject(new Error(`${m.error.code}: ${m.error.message}`));
    }
  }
}
