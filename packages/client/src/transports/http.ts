import { parseServerMessage, SignalPaths, type ClientMessage, type Hello, type ServerMessage, type Welcome } from '@parley/protocol';
import { ParleyError } from '../errors.ts';
import type { ClientTransport, TransportEnvironment, TransportHandlers } from './types.ts';

async function readError(res: Response): Promise<ParleyError> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) return new ParleyError(body.error.code as never, body.error.message ?? `HTTP ${res.status}`);
  } catch {
    /* not JSON */
  }
  return new ParleyError('TRANSPORT_FAILED', `HTTP ${res.status}`);
}

/** What SSE and long-poll share: `POST hello` and `POST send`, whose replies arrive in the response. */
abstract class HttpTransport implements ClientTransport {
  abstract readonly kind: 'sse' | 'longpoll';
  protected session: { id: string; key: string } | undefined;
  protected handlers: TransportHandlers | undefined;
  protected closed = false;

  constructor(protected readonly env: TransportEnvironment) {}

  protected get fetch(): typeof fetch {
    return this.env.fetch ?? globalThis.fetch.bind(globalThis);
  }

  protected url(path: string, params: Record<string, string | number> = {}): string {
    const u = new URL(path, this.env.baseUrl);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, String(v));
    return u.toString();
  }

  async open(hello: Hello, handlers: TransportHandlers): Promise<Welcome> {
    this.handlers = handlers;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.env.connectTimeoutMs);
    let res: Response;
    try {
      res = await this.fetch(this.url(SignalPaths.hello, { transport: this.kind }), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(hello),
        signal: controller.signal,
      });
    } catch (cause) {
      throw new ParleyError('TRANSPORT_FAILED', `cannot reach the server over HTTP (${this.kind})`, { cause });
    } finally {
      clearTimeout(timer);
    }
    if (!res.ok) throw await readError(res);
    const parsed = parseServerMessage(await res.text());
    if (!parsed.ok || parsed.message.type !== 'welcome') throw new ParleyError('TRANSPORT_FAILED', 'unexpected answer to hello');
    const welcome = parsed.message;
    this.session = { id: welcome.sessionId, key: welcome.resumeToken };
    try {
      await this.start(hello.resume?.lastSeq ?? welcome.seq);
    } catch (err) {
      // The session exists on the server: let the next transport resume it rather than join twice.
      if (err instanceof ParleyError) err.welcome = welcome;
      throw err;
    }
    return welcome;
  }

  /** Starts receiving notifications after `lastSeq`. */
  protected abstract start(lastSeq: number): Promise<void>;

  protected deliver(msg: ServerMessage): void {
    if (!this.closed) this.handlers?.message(msg);
  }

  protected fail(info: { code?: number; reason?: string; error?: ParleyError }): void {
    if (this.closed) return;
    this.close();
    this.handlers?.closed(info);
  }

  send(message: ClientMessage): void {
    const session = this.session;
    if (!session || this.closed) return;
    this.fetch(this.url(SignalPaths.send, { session: session.id, transport: this.kind }), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session.key}` },
      body: JSON.stringify(message),
    })
      .then(async (res) => {
        if (res.status === 204) return;
        const text = await res.text();
        const parsed = parseServerMessage(text);
        if (res.status === 409) {
          // The server no longer knows this session: reconnect, which resumes or rejoins.
          this.fail({ reason: 'session closed' });
          return;
        }
        if (parsed.ok) this.deliver(parsed.message);
      })
      .catch(() => this.fail({ reason: 'send failed' }));
  }

  abstract close(): void;
}

export class SseTransport extends HttpTransport {
  readonly kind = 'sse' as const;
  #source: EventSource | undefined;

  protected start(lastSeq: number): Promise<void> {
    const ES = this.env.EventSource ?? globalThis.EventSource;
    const session = this.session as { id: string; key: string };
    return new Promise<void>((resolve, reject) => {
      let opened = false;
      const source = new ES(this.url(SignalPaths.events, { session: session.id, key: session.key, after: lastSeq }));
      this.#source = source;
      const timer = setTimeout(() => {
        if (opened) return;
        source.close();
        reject(new ParleyError('TIMEOUT', 'event stream did not open in time'));
      }, this.env.connectTimeoutMs);
      source.onopen = () => {
        opened = true;
        clearTimeout(timer);
        resolve();
      };
      source.onmessage = (event: MessageEvent<string>) => {
        const parsed = parseServerMessage(event.data);
        if (parsed.ok) this.deliver(parsed.message);
      };
      source.addEventListener('close', (event) => {
        let info: { code?: number; reason?: string } = {};
        try {
          info = JSON.parse((event as MessageEvent<string>).data) as typeof info;
        } catch {
          /* ignore */
        }
        this.fail(info);
      });
      // We resume ourselves (with a fresh hello) rather than let EventSource retry on its own.
      source.onerror = () => {
        if (!opened) {
          clearTimeout(timer);
          source.close();
          reject(new ParleyError('TRANSPORT_FAILED', 'event stream failed to open'));
          return;
        }
        this.fail({ reason: 'event stream dropped' });
      };
    });
  }

  close(): void {
    this.closed = true;
    this.#source?.close();
  }
}

export class LongPollTransport extends HttpTransport {
  readonly kind = 'longpoll' as const;
  #after = 0;
  #abort = new AbortController();

  protected async start(lastSeq: number): Promise<void> {
    this.#after = lastSeq;
    void this.#loop();
  }

  async #loop(): Promise<void> {
    const session = this.session as { id: string; key: string };
    while (!this.closed) {
      let res: Response;
      try {
        res = await this.fetch(this.url(SignalPaths.poll, { session: session.id, after: this.#after }), {
          headers: { authorization: `Bearer ${session.key}` },
          signal: this.#abort.signal,
        });
      } catch {
        this.fail({ reason: 'poll failed' });
        return;
      }
      if (!res.ok) {
        const error = await readError(res);
        // SESSION_CLOSED/RESUME_FAILED here mean "gone": reconnecting resumes or rejoins, as on the other transports.
        this.fail(error.code === 'SESSION_CLOSED' || error.code === 'RESUME_FAILED' ? { reason: error.code } : { error });
        return;
      }
      let body: { messages?: unknown[]; closed?: { code: number; reason: string } };
      try {
        body = (await res.json()) as typeof body;
      } catch {
        this.fail({ reason: 'bad poll response' });
        return;
      }
      for (const raw of body.messages ?? []) {
        const parsed = parseServerMessage(JSON.stringify(raw));
        if (!parsed.ok) continue;
        const msg = parsed.message;
        if ('seq' in msg && msg.type !== 'welcome') this.#after = Math.max(this.#after, msg.seq);
        this.deliver(msg);
      }
      if (body.closed) {
        this.fail(body.closed);
        return;
      }
    }
  }

  close(): void {
    this.closed = true;
    this.#abort.abort();
  }
}
