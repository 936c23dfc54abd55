import {
  SUPPORTED_VERSIONS,
  type ClientMessage, type Hello, type Notification, type ServerMessage, type Welcome,
} from '@parley/protocol';
import { Emitter } from './emitter.ts';
import { ParleyError } from './errors.ts';
import { defaultReconnectPolicy, type ReconnectPolicy } from './reconnect-policy.ts';
import { WebSocketTransport } from './transports/websocket.ts';
import { LongPollTransport, SseTransport } from './transports/http.ts';
import type { ClientTransport, TransportEnvironment, TransportKind } from './transports/types.ts';

/** Reported to the server in hello. */
export const SDK_VERSION = '0.1.0';

export type SignalState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface SignalClientOptions {
  /** http(s)://host:port of the Parley server. */
  url: string;
  /** Room token, or a function that fetches a fresh one (called on every connect). */
  token: string | (() => Promise<string>);
  /** Transports to try, in order. Default: WebSocket, then SSE, then long-poll. Give one to force it. */
  transports?: TransportKind[];
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** App-level ping interval to detect dead connections (0 disables). */
  keepaliveMs?: number;
  reconnectPolicy?: ReconnectPolicy;
  /** Injected implementations (tests, Node). */
  WebSocket?: typeof WebSocket;
  EventSource?: typeof EventSource;
  fetch?: typeof fetch;
}

export interface SignalClientStats {
  notifications: number;
  duplicatesDropped: number;
  resumes: number;
  rejoins: number;
}

export type SignalClientEvents = {
  /** A session started or was resumed. `resumed: false` after a reconnect means a fresh session: rebuild state. */
  welcome: [welcome: Welcome];
  /** Each notification exactly once, in order, across transport drops. */
  notification: [notification: Notification];
  stateChanged: [state: SignalState, transport: TransportKind | undefined];
  /** The session ended for good (left, fatal error, or gave up reconnecting). */
  closed: [error: ParleyError | undefined];
};

interface Pending {
  resolve: (data: unknown) => void;
  reject: (error: ParleyError) => void;
  timer: ReturnType<typeof setTimeout>;
}

type Outgoing = ClientMessage extends infer M ? (M extends { type: infer T } ? (T extends 'hello' | 'ack' ? never : M) : never) : never;
/** A request before SignalClient gives it an id. */
type OutgoingRequest = Outgoing extends infer M ? (M extends unknown ? Omit<M, 'id'> : never) : never;

/** A signaling session that survives transport drops: fallback, resume, exactly-once notifications. */
export class SignalClient extends Emitter<SignalClientEvents> {
  readonly #options: Required<Pick<SignalClientOptions, 'connectTimeoutMs' | 'requestTimeoutMs' | 'keepaliveMs'>> & SignalClientOptions;
  readonly #order: TransportKind[];
  #state: SignalState = 'idle';
  #transport: ClientTransport | undefined;
  #welcome: Welcome | undefined;
  #lastSeq = 0;
  #ackedSeq = 0;
  #ackTimer: ReturnType<typeof setTimeout> | undefined;
  #keepalive: ReturnType<typeof setInterval> | undefined;
  #nextId = 1;
  readonly #pending = new Map<string, Pending>();
  #queue: ClientMessage[] = [];
  #lostAt = 0;
  #leaving = false;
  readonly stats: SignalClientStats = { notifications: 0, duplicatesDropped: 0, resumes: 0, rejoins: 0 };

  constructor(options: SignalClientOptions) {
    super();
    this.#options = { connectTimeoutMs: 5000, requestTimeoutMs: 10_000, keepaliveMs: 15_000, ...options };
    this.#order = options.transports && options.transports.length > 0 ? [...options.transports] : ['websocket', 'sse', 'longpoll'];
  }

  get state(): SignalState {
    return this.#state;
  }
  get transportKind(): TransportKind | undefined {
    return this.#transport?.kind;
  }
  get welcome(): Welcome | undefined {
    return this.#welcome;
  }
  get lastSeq(): number {
    return this.#lastSeq;
  }

  #setState(state: SignalState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('stateChanged', state, this.#transport?.kind);
  }

  #createTransport(kind: TransportKind): ClientTransport {
    const env: TransportEnvironment = {
      baseUrl: this.#options.url,
      connectTimeoutMs: this.#options.connectTimeoutMs,
      ...(this.#options.WebSocket ? { WebSocket: this.#options.WebSocket } : {}),
      ...(this.#options.EventSource ? { EventSource: this.#options.EventSource } : {}),
      ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
    };
    switch (kind) {
      case 'websocket':
        return new WebSocketTransport(env);
      case 'sse':
        return new SseTransport(env);
      case 'longpoll':
        return new LongPollTransport(env);
    }
  }

  async #token(): Promise<string> {
    const t = this.#options.token;
    return typeof t === 'string' ? t : t();
  }

  /** Opens the session, trying each transport in order. Rejects with a ParleyError. */
  async connect(): Promise<Welcome> {
    if (this.#state !== 'idle') throw new ParleyError('PROTOCOL_VIOLATION', `connect() called in state ${this.#state}`);
    this.#setState('connecting');
    try {
      return await this.#open(false);
    } catch (error) {
      this.#setState('closed');
      throw error;
    }
  }

  /** One attempt over every transport; resume when `resume` and we have a session. */
  async #open(resume: boolean): Promise<Welcome> {
    const token = await this.#token();
    /** A session the server opened during this attempt on a transport that then failed. */
    let adopted: Welcome | undefined;
    const helloFor = (): Hello => {
      const from = adopted ?? (resume ? this.#welcome : undefined);
      const lastSeq = adopted ? adopted.seq : this.#lastSeq;
      return {
        type: 'hello',
        versions: [...SUPPORTED_VERSIONS],
        token,
        client: { sdk: 'parley-js', version: SDK_VERSION },
        ...(from ? { resume: { sessionId: from.sessionId, resumeToken: from.resumeToken, lastSeq } } : {}),
      };
    };
    let lastError: ParleyError | undefined;
    for (const kind of [...this.#order]) {
      const hello = helloFor();
      const transport = this.#createTransport(kind);
      // Frames right behind the welcome (a replay) can arrive before `open` resolves: hold them.
      let early: ServerMessage[] | undefined = [];
      try {
        const result = await transport.open(hello, {
          message: (m) => {
            if (early) early.push(m);
            else if (this.#transport === transport) this.#onMessage(m);
          },
          closed: (info) => {
            if (this.#transport === transport) this.#onTransportLost(info.error);
          },
        });
        this.#transport = transport;
        // Resuming a session we adopted mid-attempt is, to everyone above us, its first welcome.
        const welcome = adopted && result.resumed ? { ...result, room: adopted.room, seq: adopted.seq, resumed: false } : result;
        this.#onWelcome(welcome);
        const held = early;
        early = undefined;
        for (const m of held) this.#onMessage(m);
        // Put the transport that worked first next time.
        this.#order.splice(this.#order.indexOf(kind), 1);
        this.#order.unshift(kind);
        return welcome;
      } catch (err) {
        transport.close();
        lastError = err instanceof ParleyError ? err : new ParleyError('TRANSPORT_FAILED', String(err), { cause: err });
        if (lastError.welcome && !hello.resume) adopted = lastError.welcome;
        // A server-side refusal is the same whatever carries it: do not try the next transport.
        if (lastError.code !== 'TRANSPORT_FAILED' && lastError.code !== 'TIMEOUT') throw lastError;
      }
    }
    throw lastError ?? new ParleyError('TRANSPORT_FAILED', 'no transport configured');
  }

  #onWelcome(welcome: Welcome): void {
    const fresh = !welcome.resumed;
    if (fresh) {
      // After a rejoin, relays queued for the old session address participants that no longer know us.
      if (this.#welcome) this.#queue = this.#queue.filter((m) => m.type !== 'offer' && m.type !== 'answer' && m.type !== 'candidate');
      this.#lastSeq = welcome.seq;
      this.#ackedSeq = welcome.seq;
    }
    this.#welcome = welcome;
    this.#setState('connected');
    this.emit('welcome', welcome);
    this.#startKeepalive();
    const queued = this.#queue;
    this.#queue = [];
    for (const m of queued) this.#transport?.send(m);
  }

  #onMessage(msg: ServerMessage): void {
    switch (msg.type) {
      case 'welcome':
        return;
      case 'response': {
        const p = this.#pending.get(msg.id);
        if (!p) return;
        this.#pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.ok) p.resolve(msg.data);
        else p.reject(ParleyError.from(msg.error));
        return;
      }
      case 'error': {
        const error = ParleyError.from(msg.error);
        if (error.fatal) this.#end(error);
        return;
      }
      default: {
        if (msg.seq <= this.#lastSeq) {
          this.stats.duplicatesDropped++;
          return;
        }
        this.#lastSeq = msg.seq;
        this.stats.notifications++;
        this.emit('notification', msg);
        this.#scheduleAck();
      }
    }
  }

  #scheduleAck(): void {
    if (this.#lastSeq - this.#ackedSeq >= 32) return this.#sendAck();
    this.#ackTimer ??= setTimeout(() => this.#sendAck(), this.#transport?.kind === 'websocket' ? 500 : 2000);
  }

  #sendAck(): void {
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    if (this.#lastSeq === this.#ackedSeq || this.#state !== 'connected') return;
    this.#ackedSeq = this.#lastSeq;
    this.#transport?.send({ type: 'ack', seq: this.#lastSeq });
  }

  #startKeepalive(): void {
    clearInterval(this.#keepalive);
    if (this.#options.keepaliveMs <= 0 || this.#transport?.kind === 'longpoll') return;
    this.#keepalive = setInterval(() => {
      if (this.#state !== 'connected') return;
      this.request({ type: 'ping' }).catch((err: ParleyError) => {
        if (err.code === 'TIMEOUT') this.dropTransport();
      });
    }, this.#options.keepaliveMs);
  }

  #onTransportLost(error: ParleyError | undefined): void {
    clearInterval(this.#keepalive);
    this.#transport = undefined;
    if (this.#state === 'closed') return;
    if (error?.fatal || this.#leaving) return this.#end(error);
    this.#lostAt = Date.now();
    this.#setState('reconnecting');
    void this.#reconnect();
  }

  async #reconnect(): Promise<void> {
    const policy = this.#options.reconnectPolicy ?? defaultReconnectPolicy;
    const graceMs = this.#welcome?.resumeGraceMs ?? 30_000;
    for (let attempt = 0; ; attempt++) {
      const delay = policy.nextRetryDelayMs({ attempt, elapsedMs: Date.now() - this.#lostAt, graceMs });
      if (delay === undefined) return this.#end(new ParleyError('TRANSPORT_FAILED', 'could not reconnect to the server'));
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      if (this.#state === 'closed') return;
      try {
        const welcome = await this.#open(true);
        if (welcome.resumed) this.stats.resumes++;
        return;
      } catch (err) {
        const error = err as ParleyError;
        if (error.code === 'RESUME_FAILED') {
          // Two-tier: the session is gone, so join afresh; the Room rebuilds from the new welcome.
          try {
            await this.#open(false);
            this.stats.rejoins++;
            return;
          } catch (err2) {
            if ((err2 as ParleyError).fatal) return this.#end(err2 as ParleyError);
          }
        } else if (error.fatal) return this.#end(error);
      }
    }
  }

  /** Sends a message; queued while reconnecting. */
  send(message: Outgoing): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'connected' && this.#transport) this.#transport.send(message);
    else if (this.#queue.length < 1000) this.#queue.push(message);
  }

  /** Sends a request and resolves with its response data; rejects with a ParleyError. */
  request(message: OutgoingRequest): Promise<unknown> {
    if (this.#state === 'closed') return Promise.reject(new ParleyError('CLOSED', 'the session has ended'));
    const id = `r${this.#nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ParleyError('TIMEOUT', `no response to ${message.type}`));
      }, this.#options.requestTimeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.send({ ...message, id } as Outgoing);
    });
  }

  /** Drops the current transport as if the network had (tests, and dead-connection detection). */
  dropTransport(): void {
    const t = this.#transport;
    if (!t) return;
    t.close();
    this.#onTransportLost(undefined);
  }

  /** Leaves the room (tells the server) and ends the session. */
  async leave(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#leaving = true;
    if (this.#state === 'connected') {
      this.#sendAck();
      await Promise.race([this.request({ type: 'leave' }).catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    }
    this.#end(undefined);
  }

  #end(error: ParleyError | undefined): void {
    if (this.#state === 'closed') return;
    clearInterval(this.#keepalive);
    clearTimeout(this.#ackTimer);
    this.#transport?.close();
    this.#transport = undefined;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(error ?? new ParleyError('CLOSED', 'the session has ended'));
    }
    this.#pending.clear();
    this.#setState('closed');
    this.emit('closed', error);
  }
}
