import WebSocket from 'ws';
import { PROTOCOL_VERSION, type ServerMessage, type Welcome } from '@parley/protocol';
import { withTimeout } from './common.ts';

/** How the browser SDK acknowledges (packages/client/src/signal-client.ts): every 32 notifications, or 500 ms after the first unacked one. */
const ACK_EVERY = 32;
const ACK_DELAY_MS = 500;

export interface BenchClientOptions {
  url: string;
  token: string;
  /** Called for every frame from the server after the welcome, already parsed. */
  onMessage?: (message: ServerMessage, client: BenchClient) => void;
}

/**
 * A bare signaling client over raw WebSocket: hello, welcome, SDK-style acks. No validation of
 * inbound frames beyond JSON.parse (the server is trusted here; we measure it, not the SDK).
 */
export class BenchClient {
  readonly ws: WebSocket;
  welcome: Welcome | undefined;
  #lastSeq = 0;
  #ackedSeq = 0;
  #ackTimer: NodeJS.Timeout | undefined;
  readonly #options: BenchClientOptions;
  closedWith: number | undefined;

  readonly #welcomed: Promise<Welcome>;

  /** Connects at once and sends hello as soon as the socket opens; `connect()` waits for the welcome. */
  constructor(options: BenchClientOptions) {
    this.#options = options;
    this.ws = new WebSocket(`${options.url}/signal/ws`, { perMessageDeflate: false });
    this.#welcomed = new Promise<Welcome>((resolve, reject) => {
      this.ws.once('open', () => this.ws.send(JSON.stringify({ type: 'hello', versions: [PROTOCOL_VERSION], token: options.token, client: { sdk: 'parley-bench', version: '0' } })));
      this.ws.once('error', reject);
      this.ws.on('close', (code) => {
        this.closedWith = code;
        clearTimeout(this.#ackTimer);
        reject(new Error(`closed with ${code} before welcome`));
      });
      this.ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as ServerMessage;
        if (!this.welcome) {
          if (message.type !== 'welcome') return reject(new Error(`expected welcome, got ${JSON.stringify(message).slice(0, 200)}`));
          this.welcome = message;
          this.#lastSeq = this.#ackedSeq = message.seq;
          return resolve(message);
        }
        if (message.type !== 'welcome' && 'seq' in message && typeof message.seq === 'number') {
          this.#lastSeq = message.seq;
          this.#scheduleAck();
        }
        this.#options.onMessage?.(message, this);
      });
    });
    // Rejections are reported through connect(); never as unhandled.
    this.#welcomed.catch(() => undefined);
  }

  get participantId(): string {
    if (!this.welcome) throw new Error('not welcomed yet');
    return this.welcome.participantId;
  }

  /** Resolves with the welcome; bounded by `timeoutMs` (the socket is dropped on timeout). */
  async connect(timeoutMs = 15_000): Promise<Welcome> {
    try {
      return await withTimeout(this.#welcomed, timeoutMs, 'welcome');
    } catch (err) {
      this.ws.terminate();
      throw err;
    }
  }

  send(frame: string): void {
    this.ws.send(frame);
  }

  #scheduleAck(): void {
    if (this.#lastSeq - this.#ackedSeq >= ACK_EVERY) return this.#sendAck();
    this.#ackTimer ??= setTimeout(() => this.#sendAck(), ACK_DELAY_MS);
  }

  #sendAck(): void {
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    if (this.#lastSeq === this.#ackedSeq || this.ws.readyState !== WebSocket.OPEN) return;
    this.#ackedSeq = this.#lastSeq;
    this.ws.send(JSON.stringify({ type: 'ack', seq: this.#lastSeq }));
  }

  close(): void {
    clearTimeout(this.#ackTimer);
    this.ws.terminate();
  }
}

/** Connects clients `batch` at a time (each batch fully welcomed before the next starts). */
export async function connectAll(clients: BenchClient[], batch: number, timeoutMs = 15_000): Promise<void> {
  for (let i = 0; i < clients.length; i += batch) {
    await Promise.all(clients.slice(i, i + batch).map((c) => c.connect(timeoutMs)));
  }
}
