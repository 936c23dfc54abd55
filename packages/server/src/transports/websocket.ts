import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { CloseCodes, ProtocolError } from '@parley/protocol';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Session, SessionTransport } from '../session.ts';
import { errorReply, type SignalingService } from '../signaling.ts';
import { closeCodeFor } from './codes.ts';

/** A client that stops reading is cut off once this much is queued for it. */
const MAX_BUFFERED_BYTES = 4 << 20;
/** Frames that may arrive while the hello is being verified. */
const MAX_EARLY_FRAMES = 32;

/** One WebSocket carrying (at most) one session. */
class WebSocketConnection implements SessionTransport {
  readonly kind = 'websocket' as const;
  alive = true;
  #session: Session | undefined;
  #state: 'awaiting-hello' | 'verifying' | 'open' | 'closed' = 'awaiting-hello';
  #early: string[] | undefined;
  #helloTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly ws: WebSocket,
    private readonly service: SignalingService,
    private readonly config: Config,
    private readonly log: Logger,
  ) {
    ws.on('message', this.#onMessage);
    ws.on('close', this.#onClose);
    ws.on('error', this.#onError);
    ws.on('pong', this.#onPong);
    this.#helloTimer = setTimeout(() => this.#fail(new ProtocolError('PROTOCOL_VIOLATION', 'no hello received in time')), config.signaling.helloTimeoutMs);
  }

  send(frame: string): void {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.log.warn({ participant: this.#session?.participant.id }, 'client is not reading; dropping its connection');
      ws.terminate();
      return;
    }
    ws.send(frame);
  }

  close(code: number, reason: string): void {
    this.#state = 'closed';
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason);
  }

  #fail(error: ProtocolError): void {
    clearTimeout(this.#helloTimer);
    this.send(JSON.stringify(errorReply(error)));
    this.close(closeCodeFor(error.code), error.code);
  }

  readonly #respond = (reply: object): void => this.send(JSON.stringify(reply));

  readonly #onPong = (): void => {
    this.alive = true;
  };

  readonly #onError = (err: Error): void => {
    this.log.debug({ err: err.message }, 'websocket error');
  };

  readonly #onClose = (): void => {
    clearTimeout(this.#helloTimer);
    this.#state = 'closed';
    if (this.#session) this.#session.detach(this);
  };

  readonly #onMessage = (data: RawData, isBinary: boolean): void => {
    if (this.#state === 'closed') return;
    if (isBinary) {
      this.service.countError('PROTOCOL_VIOLATION');
      this.send(JSON.stringify(errorReply(new ProtocolError('PROTOCOL_VIOLATION', 'binary frames are not part of the protocol'))));
      this.close(CloseCodes.protocolError, 'binary frame');
      return;
    }
    const raw = data.toString();
    switch (this.#state) {
      case 'awaiting-hello':
        this.#state = 'verifying';
        void this.#hello(raw);
        return;
      case 'verifying':
        if ((this.#early ??= []).length >= MAX_EARLY_FRAMES) return this.#fail(new ProtocolError('PROTOCOL_VIOLATION', 'too many messages before welcome'));
        this.#early.push(raw);
        return;
      case 'open':
        return this.#frame(raw);
    }
  };

  async #hello(raw: string): Promise<void> {
    let result;
    try {
      result = await this.service.hello(raw, this.kind);
    } catch (err) {
      this.#fail(err as ProtocolError);
      return;
    }
    clearTimeout(this.#helloTimer);
    if (this.#state === 'closed') {
      // The socket went away while we verified: the session waits for a resume like any other.
      result.session.expireUnlessAttached();
      return;
    }
    this.#state = 'open';
    this.#session = result.session;
    this.send(JSON.stringify(result.welcome));
    this.service.attach(result.session, this, result.lastSeq);
    const early = this.#early;
    this.#early = undefined;
    for (const frame of early ?? []) this.#frame(frame);
  }

  #frame(raw: string): void {
    const session = this.#session;
    if (!session) return;
    const result = this.service.handleFrame(session, raw, this.kind, this.#respond);
    if (result.violation) this.close(CloseCodes.protocolError, result.violation.slice(0, 120));
  }
}

/** Accepts WebSocket upgrades on the signaling path and keeps them alive with pings. */
export class WebSocketTransport {
  readonly wss: WebSocketServer;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #connections = new Set<WebSocketConnection>();

  constructor(service: SignalingService, config: Config, logger: Logger) {
    const log = logger.child({ component: 'websocket' });
    // perMessageDeflate off: it costs ~64 KiB of zlib state per socket and SDP is small.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: config.signaling.hardMaxMessageBytes, perMessageDeflate: false, clientTracking: false });
    this.wss.on('connection', (ws: WebSocket) => {
      const conn = new WebSocketConnection(ws, service, config, log);
      this.#connections.add(conn);
      ws.once('close', () => this.#connections.delete(conn));
    });
    this.#heartbeat = setInterval(() => {
      for (const conn of this.#connections) {
        if (!conn.alive) {
          conn.ws.terminate();
          continue;
        }
        conn.alive = false;
        conn.ws.ping();
      }
    }, config.signaling.heartbeatMs);
    this.#heartbeat.unref();
  }

  get size(): number {
    return this.#connections.size;
  }

  handleUpgrade(req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  close(): void {
    clearInterval(this.#heartbeat);
    for (const conn of this.#connections) conn.ws.terminate();
    this.#connections.clear();
    this.wss.close();
  }
}
