import type { ClientMessage, Hello, ServerMessage, Welcome } from '@parley/protocol';
import type { ParleyError } from '../errors.ts';

export type TransportKind = 'websocket' | 'sse' | 'longpoll';

export interface TransportHandlers {
  /** Every frame after the welcome, in arrival order. */
  message(message: ServerMessage): void;
  /** The transport is gone. `error` says why when the server said so. */
  closed(info: { code?: number; reason?: string; error?: ParleyError }): void;
}

/** One way of carrying a session. Opened with a hello; resolves with the welcome or rejects with a ParleyError. */
export interface ClientTransport {
  readonly kind: TransportKind;
  open(hello: Hello, handlers: TransportHandlers): Promise<Welcome>;
  send(message: ClientMessage): void;
  /** Closes without telling the server anything (the session stays resumable). */
  close(): void;
}

export interface TransportEnvironment {
  /** http(s)://host:port of the Parley server. */
  baseUrl: string;
  WebSocket?: typeof WebSocket;
  EventSource?: typeof EventSource;
  fetch?: typeof fetch;
  connectTimeoutMs: number;
}
