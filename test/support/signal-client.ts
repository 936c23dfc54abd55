import WebSocket from 'ws';
import { PROTOCOL_VERSION, SignalPaths, type ServerMessage, type Welcome } from '@parley/protocol';

/**
 * A raw signaling client for tests and benchmarks: no SDK logic, no validation, no automatic acks.
 * It records every frame the server sends and lets the caller wait for the ones it expects.
 * Every wait has a deadline; nothing here retries forever.
 */

export type MessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
export type Notification = MessageOf<'participantJoined' | 'participantLeft' | 'participantUpdated' | 'offer' | 'answer' | 'candidate'>;

export interface HelloOptions {
  token: string;
  versions?: number[];
  id?: string;
  resume?: { sessionId: string; resumeToken: string; lastSeq: number };
}

export function helloMessage(options: HelloOptions): Record<string, unknown> {
  return {
    type: 'hello',
    versions: options.versions ?? [PROTOCOL_VERSION],
    token: options.token,
    ...(options.id !== undefined ? { id: options.id } : {}),
    ...(options.resume ? { resume: options.resume } : {}),
  };
}

const DEFAULT_TIMEOUT_MS = 5_000;

/** Resolves when `check` returns a value other than undefined; rejects after `timeoutMs`. */
export async function pollUntil<T>(check: () => T | undefined | Promise<T | undefined>, options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'condition'}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 10));
  }
}

/** A log of parsed server frames with deadline-bounded waits. */
export class MessageLog {
  readonly messages: ServerMessage[] = [];
  #waiters = new Set<() => void>();
  #ended: Error | undefined;

  push(message: ServerMessage): void {
    this.messages.push(message);
    for (const w of [...this.#waiters]) w();
  }

  end(error: Error): void {
    this.#ended ??= error;
    for (const w of [...this.#waiters]) w();
  }

  ofType<T extends ServerMessage['type']>(type: T): Array<MessageOf<T>> {
    return this.messages.filter((m): m is MessageOf<T> => m.type === type);
  }

  /** Numbered notifications in arrival order. */
  notifications(): Notification[] {
    return this.messages.filter((m): m is Notification => 'seq' in m && m.type !== 'welcome');
  }

  /** Waits for the first message (at index >= `from`) of `type` that satisfies `match`. */
  waitFor<T extends ServerMessage['type']>(type: T, match: (m: MessageOf<T>) => boolean = () => true, options: { timeoutMs?: number; from?: number } = {}): Promise<MessageOf<T>> {
    const find = (): MessageOf<T> | undefined => {
      for (let i = options.from ?? 0; i < this.messages.length; i++) {
        const m = this.messages[i] as ServerMessage;
        if (m.type === type && match(m as MessageOf<T>)) return m as MessageOf<T>;
      }
      return undefined;
    };
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      const check = (): void => {
        const m = find();
        if (m) {
          done();
          resolve(m);
        } else if (this.#ended) {
          done();
          reject(new Error(`no "${type}" message before the stream ended: ${this.#ended.message}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for a "${type}" message; got ${JSON.stringify(this.messages.map((x) => x.type))}`));
      }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      this.#waiters.add(check);
      check();
    });
  }

  /** Waits until at least `count` numbered notifications have arrived. */
  waitForNotifications(count: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Notification[]> {
    return pollUntil(() => {
      const n = this.notifications();
      return n.length >= count ? n : undefined;
    }, { timeoutMs, what: `${count} notifications` });
  }
}

/** One raw WebSocket to `/signal/ws`. */
export class WsSignalClient {
  readonly ws: WebSocket;
  readonly log = new MessageLog();
  readonly closed: Promise<{ code: number; reason: string }>;
  welcome: Welcome | undefined;
  #nextId = 0;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.log.push(JSON.parse(String(data)) as ServerMessage);
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.log.end(new Error(`socket closed with ${code}`));
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('error', () => {
      /* surfaced through `closed` */
    });
  }

  /** Opens a socket to `${baseUrl}/signal/ws` (baseUrl is ws://host:port). */
  static open(baseUrl: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<WsSignalClient> {
    const ws = new WebSocket(`${baseUrl}${SignalPaths.websocket}`, { perMessageDeflate: false });
    const client = new WsSignalClient(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error('websocket did not open in time'));
      }, timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(client);
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Opens a socket, says hello and resolves with the welcome (rejects on an error reply or close). */
  static async join(baseUrl: string, hello: HelloOptions): Promise<WsSignalClient> {
    const client = await WsSignalClient.open(baseUrl);
    await client.hello(hello);
    return client;
  }

  get participantId(): string {
    if (!this.welcome) throw new Error('not welcomed');
    return this.welcome.participantId;
  }

  /** The highest notification seq received so far (0 when none). */
  get lastSeq(): number {
    return this.log.notifications().reduce((max, n) => Math.max(max, n.seq), this.welcome?.seq ?? 0);
  }

  async hello(options: HelloOptions): Promise<Welcome> {
    const from = this.log.messages.length;
    this.send(helloMessage(options));
    const reply = await Promise.race([
      this.log.waitFor('welcome', () => true, { from }),
      this.log.waitFor('error', () => true, { from }).then((e) => Promise.reject(new Error(`hello refused: ${e.error.code}`))),
    ]);
    this.welcome = reply;
    return reply;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  sendBinary(data: Buffer): void {
    this.ws.send(data, { binary: true });
  }

  /** Sends a message with a fresh request id and waits for its response. */
  async request(message: Record<string, unknown>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<MessageOf<'response'>> {
    const id = `r${++this.#nextId}`;
    const from = this.log.messages.length;
    this.send({ ...message, id });
    return this.log.waitFor('response', (r) => r.id === id, { from, timeoutMs });
  }

  ack(seq = this.lastSeq): void {
    this.send({ type: 'ack', seq });
  }

  /** A ping round trip: everything the server queued for this socket before it has arrived after. */
  async sync(): Promise<void> {
    const r = await this.request({ type: 'ping' });
    if (!r.ok) throw new Error(`ping failed: ${r.error.code}`);
  }

  /** Cuts the TCP connection without a close handshake (what a network drop looks like). */
  terminate(): void {
    this.ws.terminate();
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
  }
}

// ---- HTTP transports ------------------------------------------------------------------------

export interface HttpReply<T = unknown> {
  status: number;
  body: T;
}

async function asReply<T>(res: Response): Promise<HttpReply<T>> {
  const text = await res.text();
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

/** `POST /signal/http/hello?transport=…` (httpUrl is http://host:port). */
export async function httpHello(httpUrl: string, hello: HelloOptions | string, transport: 'sse' | 'longpoll' = 'sse'): Promise<HttpReply<ServerMessage>> {
  const body = typeof hello === 'string' ? hello : JSON.stringify(helloMessage(hello));
  const res = await fetch(`${httpUrl}${SignalPaths.hello}?transport=${transport}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return asReply(res);
}

/** `POST /signal/http/send?session=…` with the resume token as Bearer. */
export async function httpSend(httpUrl: string, session: { sessionId: string; resumeToken: string }, message: unknown): Promise<HttpReply<ServerMessage | undefined>> {
  const body = typeof message === 'string' ? message : JSON.stringify(message);
  const res = await fetch(`${httpUrl}${SignalPaths.send}?session=${encodeURIComponent(session.sessionId)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${session.resumeToken}` },
    body,
  });
  return asReply(res);
}

export interface PollBody {
  messages: ServerMessage[];
  closed?: { code: number; reason: string };
}

/** `GET /signal/http/poll?session=…&after=…`: resolves when the server answers (or its long-poll timeout ends). */
export async function httpPoll(httpUrl: string, session: { sessionId: string; resumeToken: string }, after: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<HttpReply<PollBody>> {
  const res = await fetch(`${httpUrl}${SignalPaths.poll}?session=${encodeURIComponent(session.sessionId)}&after=${after}`, {
    headers: { authorization: `Bearer ${session.resumeToken}` },
    signal: AbortSignal.timeout(timeoutMs),
  });
  return asReply(res);
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** `GET /signal/http/events`: an SSE stream read with fetch, parsed into events and messages. */
export class SseSignalStream {
  readonly events: SseEvent[] = [];
  readonly log = new MessageLog();
  readonly #abort = new AbortController();
  readonly done: Promise<void>;

  private constructor(
    readonly status: number,
    body: ReadableStream<Uint8Array> | null,
  ) {
    this.done = body ? this.#read(body) : Promise.resolve();
  }

  static async open(httpUrl: string, session: { sessionId: string; resumeToken: string }, options: { lastEventId?: number; after?: number } = {}): Promise<SseSignalStream | HttpReply> {
    const abort = new AbortController();
    const after = options.after !== undefined ? `&after=${options.after}` : '';
    const res = await fetch(`${httpUrl}${SignalPaths.events}?session=${encodeURIComponent(session.sessionId)}&key=${encodeURIComponent(session.resumeToken)}${after}`, {
      headers: { accept: 'text/event-stream', ...(options.lastEventId !== undefined ? { 'last-event-id': String(options.lastEventId) } : {}) },
      signal: abort.signal,
    });
    if (res.status !== 200) return asReply(res);
    const stream = new SseSignalStream(res.status, res.body);
    stream.#abort.signal.addEventListener('abort', () => abort.abort());
    return stream;
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          this.#event(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
      }
      this.log.end(new Error('event stream ended'));
    } catch (err) {
      this.log.end(err as Error);
    }
  }

  #event(block: string): void {
    const event: SseEvent = { data: '' };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') event.id = value;
      else if (field === 'event') event.event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    event.data = data.join('\n');
    this.events.push(event);
    if (event.event === undefined) this.log.push(JSON.parse(event.data) as ServerMessage);
  }

  close(): void {
    this.#abort.abort();
  }
}
