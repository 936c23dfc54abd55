/**
 * Janus's REST/long-poll API (janus.transport.http): one session, plugin handles, synchronous requests answered in
 * the POST and asynchronous ones (VideoRoom join/configure/start) answered by an event with the same transaction,
 * collected by one long-poll loop per session. Bounded: every wait has a timeout, the loop stops on `close()`.
 */
import { randomBytes } from 'node:crypto';
import { withTimeout } from '../signaling/common.ts';

export interface Jsep {
  type: 'offer' | 'answer';
  sdp: string;
}

export interface JanusEvent {
  janus: string;
  transaction?: string;
  sender?: number;
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: Jsep;
  error?: { code: number; reason: string };
  data?: { id?: number };
}

export interface PluginReply {
  data: Record<string, unknown>;
  jsep: Jsep | undefined;
}

const txn = (): string => randomBytes(6).toString('hex');

export class JanusSession {
  readonly baseUrl: string;
  readonly id: number;
  readonly #waiting = new Map<string, { resolve: (e: JanusEvent) => void; reject: (e: Error) => void }>();
  /** Events nobody waits for (webrtcup, media, hangup…), by handle, for diagnostics. */
  readonly events: JanusEvent[] = [];
  #closed = false;
  #poll: AbortController | undefined;

  private constructor(baseUrl: string, id: number) {
    this.baseUrl = baseUrl;
    this.id = id;
  }

  static async create(baseUrl: string): Promise<JanusSession> {
    const r = await post(baseUrl, { janus: 'create' });
    const id = r.data?.id;
    if (r.janus !== 'success' || typeof id !== 'number') throw new Error(`janus create: ${JSON.stringify(r).slice(0, 200)}`);
    const s = new JanusSession(baseUrl, id);
    void s.#loop();
    return s;
  }

  async attach(plugin: string): Promise<number> {
    const r = await post(`${this.baseUrl}/${this.id}`, { janus: 'attach', plugin });
    const id = r.data?.id;
    if (r.janus !== 'success' || typeof id !== 'number') throw new Error(`janus attach: ${JSON.stringify(r).slice(0, 200)}`);
    return id;
  }

  /**
   * A plugin message. Synchronous requests come back in the POST's reply; asynchronous ones are acked and answered
   * by an event carrying the transaction. Plugin errors (`error_code` in the data) reject.
   */
  async message(handle: number, body: Record<string, unknown>, jsep?: Jsep, timeoutMs = 15_000): Promise<PluginReply> {
    const transaction = txn();
    const event = new Promise<JanusEvent>((resolve, reject) => this.#waiting.set(transaction, { resolve, reject }));
    event.catch(() => undefined);
    try {
      const r = await post(`${this.baseUrl}/${this.id}/${handle}`, { janus: 'message', body, ...(jsep ? { jsep } : {}) }, transaction);
      const reply = r.janus === 'ack' ? await withTimeout(event, timeoutMs, `janus ${String(body.request)}`) : r;
      if (reply.janus === 'error') throw new Error(`janus ${String(body.request)}: ${reply.error?.code} ${reply.error?.reason}`);
      const data = reply.plugindata?.data ?? {};
      if (data.error_code !== undefined) throw new Error(`janus ${String(body.request)}: ${String(data.error_code)} ${String(data.error)}`);
      return { data, jsep: reply.jsep };
    } finally {
      this.#waiting.delete(transaction);
    }
  }

  /** Drops a handle (and its PeerConnection). Best effort. */
  async detach(handle: number): Promise<void> {
    await post(`${this.baseUrl}/${this.id}/${handle}`, { janus: 'detach' }).catch(() => undefined);
  }

  /** Tells Janus our candidates are all in the SDP (RFC 8838 end-of-candidates). */
  async endOfCandidates(handle: number): Promise<void> {
    await post(`${this.baseUrl}/${this.id}/${handle}`, { janus: 'trickle', candidate: { completed: true } });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#poll?.abort();
    for (const w of this.#waiting.values()) w.reject(new Error('janus session closed'));
    await post(`${this.baseUrl}/${this.id}`, { janus: 'destroy' }).catch(() => undefined);
  }

  async #loop(): Promise<void> {
    while (!this.#closed) {
      this.#poll = new AbortController();
      const timer = setTimeout(() => this.#poll?.abort(), 40_000);
      try {
        const res = await fetch(`${this.baseUrl}/${this.id}?maxev=50&rid=${Date.now()}`, { signal: this.#poll.signal });
        const body = (await res.json()) as JanusEvent | JanusEvent[];
        for (const e of Array.isArray(body) ? body : [body]) this.#dispatch(e);
      } catch {
        if (!this.#closed) await new Promise((r) => setTimeout(r, 100));
      } finally {
        clearTimeout(timer);
      }
    }
  }

  #dispatch(e: JanusEvent): void {
    if (e.janus === 'keepalive') return;
    const w = e.transaction ? this.#waiting.get(e.transaction) : undefined;
    if (w && (e.janus === 'event' || e.janus === 'success' || e.janus === 'error')) w.resolve(e);
    else if (this.events.length < 10_000) this.events.push(e);
  }
}

async function post(url: string, body: Record<string, unknown>, transaction = txn()): Promise<JanusEvent> {
  const res = await withTimeout(fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, transaction }) }), 15_000, `POST ${url}`);
  return (await res.json()) as JanusEvent;
}
