import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NotificationBody, Participant } from '@parley/protocol';
import { TokenBucket } from './rate.ts';

export type TransportKind = 'websocket' | 'sse' | 'longpoll';

/** What a session needs from whatever currently carries it. */
export interface SessionTransport {
  readonly kind: TransportKind;
  /** `seq` is set for numbered notifications (SSE uses it as the event id). */
  send(frame: string, seq?: number): void;
  close(code: number, reason: string): void;
}

export interface SessionOptions {
  roomId: string;
  participant: Participant;
  /** What the token allows beyond joining (the SFU enforces publish/subscribe). */
  grants?: { publish: boolean; subscribe: boolean };
  resumeGraceMs: number;
  maxBufferedNotifications: number;
  ratePerSecond: number;
  rateBurst: number;
  /** Called once when the grace period ends with no transport attached. */
  onExpired: (session: Session) => void;
  /** Called when the attached transport changes (for metrics). */
  onTransportChanged?: (from: TransportKind | 'detached' | undefined, to: TransportKind | 'detached' | undefined) => void;
}

/**
 * A participant's signaling session. It outlives any one transport: notifications are numbered,
 * kept until acknowledged, and replayed after a resume so that each arrives exactly once, in order.
 */
export class Session {
  readonly id = randomBytes(12).toString('base64url');
  readonly resumeToken = randomBytes(24).toString('base64url');
  readonly roomId: string;
  participant: Participant;
  readonly grants: { publish: boolean; subscribe: boolean };
  readonly inbound: TokenBucket;
  /** Bad messages allowed before the session is treated as broken. */
  readonly violations = new TokenBucket(1, 20);

  #seq = 0;
  /**
   * Unacknowledged notifications, consecutive from #bufferSeq; allocated on first use (most sessions
   * are idle). Plain strings, no per-entry object: these survive young-generation GCs under load.
   */
  #buffer: string[] | undefined;
  #bufferSeq = 0;
  /** The oldest seq a resume may ask for (anything older was dropped unacknowledged). */
  #floor = 0;
  #transport: SessionTransport | undefined;
  #graceTimer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #options: SessionOptions;

  constructor(options: SessionOptions) {
    this.#options = options;
    this.roomId = options.roomId;
    this.participant = options.participant;
    this.grants = options.grants ?? { publish: true, subscribe: true };
    this.inbound = new TokenBucket(options.ratePerSecond, options.rateBurst);
  }

  get closed(): boolean {
    return this.#closed;
  }
  get seq(): number {
    return this.#seq;
  }
  get transport(): SessionTransport | undefined {
    return this.#transport;
  }
  get buffered(): number {
    return this.#buffer?.length ?? 0;
  }

  checkResumeToken(candidate: string): boolean {
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.resumeToken);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Numbers, keeps and (when attached) sends a notification. */
  notify(body: NotificationBody): void {
    if (this.#closed) return;
    const seq = ++this.#seq;
    // `{...body, seq}` serialised without building that object (this runs once per relayed message).
    const frame = `${JSON.stringify(body).slice(0, -1)},"seq":${seq}}`;
    if (!this.#buffer) {
      this.#buffer = [];
      this.#bufferSeq = seq;
    }
    const buffer = this.#buffer;
    buffer.push(frame);
    if (buffer.length > this.#options.maxBufferedNotifications) {
      // The client is not acknowledging; forget the oldest. A later resume from before it fails cleanly.
      buffer.shift();
      this.#floor = this.#bufferSeq++;
    }
    this.#transport?.send(frame, seq);
  }

  /** Sends a frame that is not replayed (responses, errors). Lost if no transport is attached. */
  reply(message: object): void {
    this.#transport?.send(JSON.stringify(message));
  }

  ack(seq: number): void {
    // Acknowledged means processed: a later resume from before this point is a client bug, refused.
    if (seq > this.#floor && seq <= this.#seq) this.#floor = seq;
    const buffer = this.#buffer;
    if (!buffer) return;
    const n = Math.min(buffer.length, seq - this.#bufferSeq + 1);
    if (n <= 0) return;
    if (n === buffer.length) this.#buffer = undefined;
    else buffer.splice(0, n);
    this.#bufferSeq += n;
  }

  /** Whether a client that has processed everything up to `lastSeq` can be brought up to date. */
  canResumeFrom(lastSeq: number): boolean {
    return lastSeq >= this.#floor && lastSeq <= this.#seq;
  }

  /**
   * Attaches a transport and sends it every kept notification after `lastSeq`, then live ones.
   * A transport already attached is closed: one session, one carrier.
   */
  attach(transport: SessionTransport, lastSeq: number): number {
    if (this.#closed) throw new Error('session is closed');
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    const previous = this.#transport;
    if (previous && previous !== transport) previous.close(1000, 'session resumed elsewhere');
    this.#transport = transport;
    this.#options.onTransportChanged?.(previous?.kind ?? 'detached', transport.kind);
    this.ack(lastSeq);
    const buffer = this.#buffer ?? [];
    for (let i = 0; i < buffer.length; i++) transport.send(buffer[i] as string, this.#bufferSeq + i);
    return buffer.length;
  }

  /** The transport went away: keep the session for the grace period. */
  detach(transport: SessionTransport): void {
    if (this.#closed || this.#transport !== transport) return;
    this.#transport = undefined;
    this.#options.onTransportChanged?.(transport.kind, 'detached');
    this.expireUnlessAttached();
  }

  /** Starts the grace period unless a transport is attached (also used after an HTTP hello). */
  expireUnlessAttached(): void {
    if (this.#closed || this.#transport || this.#graceTimer) return;
    this.#graceTimer = setTimeout(() => {
      this.#graceTimer = undefined;
      if (!this.#closed && !this.#transport) this.#options.onExpired(this);
    }, this.#options.resumeGraceMs);
    this.#graceTimer.unref?.();
  }

  /** Ends the session for good (idempotent). */
  close(code = 1000, reason = 'session closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#graceTimer);
    const transport = this.#transport;
    this.#transport = undefined;
    this.#buffer = undefined;
    this.#options.onTransportChanged?.(transport ? transport.kind : 'detached', undefined);
    transport?.close(code, reason);
  }
}
