import { parseServerMessage, SignalPaths, type ClientMessage, type Hello, type Welcome } from '@parley/protocol';
import { ParleyError } from '../errors.ts';
import type { ClientTransport, TransportEnvironment, TransportHandlers } from './types.ts';

export class WebSocketTransport implements ClientTransport {
  readonly kind = 'websocket' as const;
  #ws: WebSocket | undefined;
  #closed = false;

  constructor(private readonly env: TransportEnvironment) {}

  open(hello: Hello, handlers: TransportHandlers): Promise<Welcome> {
    const WS = this.env.WebSocket ?? globalThis.WebSocket;
    const url = this.env.baseUrl.replace(/^http/, 'ws') + SignalPaths.websocket;
    return new Promise<Welcome>((resolve, reject) => {
      let welcomed = false;
      let ws: WebSocket;
      try {
        ws = new WS(url);
      } catch (cause) {
        reject(new ParleyError('TRANSPORT_FAILED', 'cannot open a WebSocket', { cause }));
        return;
      }
      this.#ws = ws;
      const timer = setTimeout(() => {
        if (welcomed) return;
        ws.close();
        reject(new ParleyError('TIMEOUT', 'no welcome over WebSocket in time'));
      }, this.env.connectTimeoutMs);
      ws.onopen = () => ws.send(JSON.stringify(hello));
      ws.onmessage = (event: MessageEvent) => {
        if (typeof event.data !== 'string') return;
        const parsed = parseServerMessage(event.data);
        if (!parsed.ok) return; // a newer server may send what we do not know; ignore it
        const msg = parsed.message;
        if (!welcomed) {
          if (msg.type === 'welcome') {
            welcomed = true;
            clearTimeout(timer);
            resolve(msg);
          } else if (msg.type === 'error' || (msg.type === 'response' && !msg.ok)) {
            clearTimeout(timer);
            reject(ParleyError.from(msg.error));
          }
          return;
        }
        handlers.message(msg);
      };
      ws.onclose = (event: CloseEvent) => {
        clearTimeout(timer);
        if (!welcomed) reject(new ParleyError('TRANSPORT_FAILED', `WebSocket closed before welcome (${event.code})`));
        else if (!this.#closed) handlers.closed({ code: event.code, reason: event.reason });
        this.#closed = true;
      };
      ws.onerror = () => {
        /* followed by close */
      };
    });
  }

  send(message: ClientMessage): void {
    if (this.#ws?.readyState === 1) this.#ws.send(JSON.stringify(message));
  }

  close(): void {
    this.#closed = true;
    const ws = this.#ws;
    if (!ws) return;
    ws.onmessage = null;
    ws.onclose = null;
    ws.close();
  }
}
