import type { IncomingMessage, ServerResponse } from 'node:http';
import { CloseCodes, ProtocolError } from '@parley/protocol';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Session, SessionTransport, TransportKind } from '../session.ts';
import type { SignalingService } from '../signaling.ts';
import { asProtocolError, bearer, readBody, sendError, sendJson, sendRawJson } from '../http/io.ts';

/** Server-Sent Events: one long response carrying numbered notifications as `id:`/`data:` events. */
class SseStream implements SessionTransport {
  readonly kind = 'sse' as const;
  constructor(readonly res: ServerResponse) {}
  send(frame: string, seq?: number): void {
    if (this.res.writableEnded) return;
    this.res.write(seq !== undefined ? `id: ${seq}\ndata: ${frame}\n\n` : `data: ${frame}\n\n`);
  }
  close(code: number, reason: string): void {
    if (this.res.writableEnded) return;
    this.res.write(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
    this.res.end();
  }
}

/** One long-poll request: collects frames and answers with them as soon as there are any. */
class LongPoll implements SessionTransport {
  readonly kind = 'longpoll' as const;
  #frames: string[] = [];
  #scheduled = false;
  #done = false;
  #closeInfo: { code: number; reason: string } | undefined;
  readonly #timer: NodeJS.Timeout;
  onDone: (() => void) | undefined;

  constructor(
    readonly res: ServerResponse,
    timeoutMs: number,
  ) {
    this.#timer = setTimeout(() => this.flush(), timeoutMs);
  }

  send(frame: string): void {
    if (this.#done) return;
    this.#frames.push(frame);
    if (!this.#scheduled) {
      this.#scheduled = true;
      // Answer on the next turn so that a burst (a replay, a batch of candidates) goes in one response.
      setImmediate(() => this.flush());
    }
  }

  close(code: number, reason: string): void {
    this.#closeInfo = { code, reason };
    this.flush();
  }

  flush(): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    const body = `{"messages":[${this.#frames.join(',')}]${this.#closeInfo ? `,"closed":${JSON.stringify(this.#closeInfo)}` : ''}}`;
    if (!this.res.writableEnded) sendRawJson(this.res, 200, body);
    this.onDone?.();
  }
}

/**
 * The HTTP fallbacks: `POST hello` opens or resumes a session, `GET events` streams it as SSE,
 * `GET poll` long-polls it, `POST send` carries one client message and answers with its reply.
 */
export class HttpSignalTransport {
  readonly #streams = new Set<SseStream>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #log: Logger;

  constructor(
    private readonly service: SignalingService,
    private readonly config: Config,
    logger: Logger,
  ) {
    this.#log = logger.child({ component: 'http-signal' });
    this.#heartbeat = setInterval(() => {
      for (const s of this.#streams) if (!s.res.writableEnded) s.res.write(': keepalive\n\n');
    }, Math.min(config.signaling.heartbeatMs, 15_000));
    this.#heartbeat.unref();
  }

  close(): void {
    clearInterval(this.#heartbeat);
    for (const s of this.#streams) s.res.end();
    this.#streams.clear();
  }

  async hello(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const kind: TransportKind = url.searchParams.get('transport') === 'longpoll' ? 'longpoll' : 'sse';
    try {
      const raw = await readBody(req, this.config.signaling.maxMessageBytes);
      const result = await this.service.hello(raw, kind);
      result.session.expireUnlessAttached();
      sendJson(res, 200, result.welcome);
    } catch (err) {
      sendError(res, asProtocolError(err));
    }
  }

  /** Finds the session named by `?session=` and checks its key (Bearer header, or `?key=` for EventSource). */
  #session(req: IncomingMessage, url: URL): Session {
    const id = url.searchParams.get('session') ?? '';
    const key = bearer(req) ?? url.searchParams.get('key') ?? '';
    const session = this.service.getSession(id);
    if (!session || !session.checkResumeToken(key)) throw new ProtocolError('SESSION_CLOSED', 'no such session, or it has ended');
    return session;
  }

  #lastSeq(value: string | null | undefined): number {
    const n = Number(value ?? 0);
    if (!Number.isSafeInteger(n) || n < 0) throw new ProtocolError('BAD_REQUEST', 'sequence number must be a non-negative integer');
    return n;
  }

  events(req: IncomingMessage, res: ServerResponse, url: URL): void {
    try {
      const session = this.#session(req, url);
      const header = req.headers['last-event-id'];
      const lastSeq = this.#lastSeq(typeof header === 'string' && header !== '' ? header : url.searchParams.get('after'));
      if (!session.canResumeFrom(lastSeq)) throw new ProtocolError('RESUME_FAILED', 'missed notifications are no longer available; join again');
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write('retry: 1000\n\n');
      const stream = new SseStream(res);
      this.#streams.add(stream);
      req.socket.setNoDelay(true);
      res.on('close', () => {
        this.#streams.delete(stream);
        session.detach(stream);
      });
      this.service.attach(session, stream, lastSeq);
    } catch (err) {
      sendError(res, asProtocolError(err));
    }
  }

  poll(req: IncomingMessage, res: ServerResponse, url: URL): void {
    try {
      const session = this.#session(req, url);
      const lastSeq = this.#lastSeq(url.searchParams.get('after'));
      if (!session.canResumeFrom(lastSeq)) throw new ProtocolError('RESUME_FAILED', 'missed notifications are no longer available; join again');
      const poll = new LongPoll(res, this.config.signaling.longPollTimeoutMs);
      poll.onDone = () => session.detach(poll);
      res.on('close', () => poll.flush());
      this.service.attach(session, poll, lastSeq);
    } catch (err) {
      sendError(res, asProtocolError(err));
    }
  }

  async send(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      const session = this.#session(req, url);
      const raw = await readBody(req, this.config.signaling.hardMaxMessageBytes);
      const kind = session.transport?.kind ?? (url.searchParams.get('transport') === 'longpoll' ? 'longpoll' : 'sse');
      let reply: object | undefined;
      const result = this.service.handleFrame(session, raw, kind, (r) => (reply = r));
      await result.pending;
      if (result.violation) {
        this.#log.info({ participant: session.participant.id, reason: result.violation }, 'protocol violation on HTTP transport');
        session.transport?.close(CloseCodes.protocolError, result.violation);
      }
      // The reply (or error) to this message travels in this response, whatever the stream does.
      if (reply) sendJson(res, result.violation ? 400 : 200, reply);
      else res.writeHead(204).end();
    } catch (err) {
      sendError(res, asProtocolError(err));
    }
  }
}
