import { createServer, type Server, type Socket } from 'node:net';
import { addressKey, type IceAddress } from './ice-lite.ts';

/** At most this many ICE-TCP connections at once: a flood of idle sockets cannot exhaust file descriptors. */
export const MAX_TCP_CONNECTIONS = 1024;
/** A connection that has not sent an authenticated Binding request by then is closed. */
export const TCP_UNAUTHENTICATED_TIMEOUT_MS = 10_000;
/**
 * Bytes queued toward one client beyond which packets are dropped rather than buffered: a client that stops
 * reading must not make the server's memory grow (real-time media is better lost than late).
 */
export const TCP_MAX_QUEUED_BYTES = 1024 * 1024;

export interface IceTcpStats {
  connectionsAccepted: number;
  /** Refused at MAX_TCP_CONNECTIONS. */
  connectionsRefused: number;
  /** Closed for not authenticating in time. */
  connectionsTimedOut: number;
  framesReceived: number;
  /** Zero-length frames, which carry nothing (RFC 4571 §2 allows them). */
  emptyFrames: number;
  /** Frames not sent because the client's queue was full. */
  framesDropped: number;
}

export interface IceTcpLimits {
  maxConnections: number;
  unauthenticatedTimeoutMs: number;
  maxQueuedBytes: number;
}

export interface IceTcpListenerOptions {
  limits?: Partial<IceTcpLimits>;
  /** One RFC 4571 frame from a client connection; `from.transport` is 'tcp'. */
  onFrame: (frame: Buffer, from: IceAddress) => void;
  /** The connection behind that address is gone. */
  onClose: (from: IceAddress) => void;
}

interface Connection {
  socket: Socket;
  address: IceAddress;
  pending: Buffer | undefined;
  authenticated: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The passive side of ICE-TCP (RFC 6544): clients connect to our one TCP port and send STUN, DTLS and SRTP each
 * framed by a 16-bit length (RFC 4571). A connection is one candidate pair: it is named by its remote address
 * and port, like a UDP source, so the endpoint routes frames exactly as datagrams.
 */
export class IceTcpListener {
  readonly stats: IceTcpStats = { connectionsAccepted: 0, connectionsRefused: 0, connectionsTimedOut: 0, framesReceived: 0, emptyFrames: 0, framesDropped: 0 };
  readonly #server: Server;
  readonly #options: IceTcpListenerOptions;
  readonly #connections = new Map<string, Connection>();
  readonly #limits: IceTcpLimits;

  private constructor(server: Server, options: IceTcpListenerOptions) {
    this.#server = server;
    this.#options = options;
    this.#limits = { maxConnections: MAX_TCP_CONNECTIONS, unauthenticatedTimeoutMs: TCP_UNAUTHENTICATED_TIMEOUT_MS, maxQueuedBytes: TCP_MAX_QUEUED_BYTES, ...options.limits };
    server.on('connection', (socket) => this.#accept(socket));
    server.on('error', () => {});
  }

  static async listen(port: number, host: string, options: IceTcpListenerOptions): Promise<IceTcpListener> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new IceTcpListener(server, options);
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** An authenticated Binding request came over this connection: it stays open for as long as the client keeps it. */
  markAuthenticated(address: IceAddress): void {
    const connection = this.#connections.get(addressKey(address));
    if (!connection || connection.authenticated) return;
    connection.authenticated = true;
    clearTimeout(connection.timer);
    connection.timer = undefined;
  }

  /** Frames one datagram toward a client; false when the connection is gone or its queue is full. */
  send(datagram: Buffer, to: IceAddress): boolean {
    const connection = this.#connections.get(addressKey(to));
    if (!connection || connection.socket.destroyed) return false;
    if (connection.socket.writableLength > this.#limits.maxQueuedBytes || datagram.length > 0xffff) {
      this.stats.framesDropped++;
      return false;
    }
    // A copy: the caller may reuse its buffer once this returns, while the socket may hold it until drained.
    const frame = Buffer.allocUnsafe(datagram.length + 2);
    frame.writeUInt16BE(datagram.length, 0);
    datagram.copy(frame, 2);
    connection.socket.write(frame);
    return true;
  }

  async close(): Promise<void> {
    for (const connection of this.#connections.values()) connection.socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    if (this.#connections.size >= this.#limits.maxConnections || !socket.remoteAddress || !socket.remotePort) {
      this.stats.connectionsRefused++;
      socket.destroy();
      return;
    }
    this.stats.connectionsAccepted++;
    const address: IceAddress = { address: socket.remoteAddress.replace(/^::ffff:/, ''), port: socket.remotePort, transport: 'tcp' };
    const key = addressKey(address);
    const connection: Connection = { socket, address, pending: undefined, authenticated: false, timer: undefined };
    connection.timer = setTimeout(() => {
      this.stats.connectionsTimedOut++;
      socket.destroy();
    }, this.#limits.unauthenticatedTimeoutMs);
    this.#connections.set(key, connection);
    socket.on('data', (chunk: Buffer) => this.#onData(connection, chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(connection.timer);
      if (this.#connections.get(key) === connection) this.#connections.delete(key);
      this.#options.onClose(address);
    });
  }

  #onData(connection: Connection, chunk: Buffer): void {
    // A partial frame is at most 65,536 bytes plus one chunk: the 16-bit length bounds what we keep.
    let data = connection.pending ? Buffer.concat([connection.pending, chunk]) : chunk;
    let offset = 0;
    while (data.length - offset >= 2) {
      const length = data.readUInt16BE(offset);
      if (data.length - offset - 2 < length) break;
      // A copy in memory of its own, as a UDP datagram is: it may be decrypted in place and kept (the NACK cache),
      // and must neither keep the whole chunk alive nor share memory with the frames next to it.
      const frame = Buffer.allocUnsafeSlow(length);
      data.copy(frame, 0, offset + 2, offset + 2 + length);
      offset += 2 + length;
      if (length === 0) {
        this.stats.emptyFrames++;
        continue;
      }
      this.stats.framesReceived++;
      this.#options.onFrame(frame, connection.address);
      if (connection.socket.destroyed) return;
    }
    data = data.subarray(offset);
    // Copied so that the chunk a frame came from is not kept alive by a short remainder.
    connection.pending = data.length > 0 ? Buffer.from(data) : undefined;
  }
}
