import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createTcpServer, isIPv6, type Server as TcpServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { StreamFramer, StunDecodeError } from '@parley/stun';
import { fiveTuple, type ClientConnection, type ClientTransport } from './allocation.ts';
import type { TurnServer } from './server.ts';

export interface TurnListenOptions {
  host: string;
  /** UDP port (RFC 8656 §4: 3478); false to skip. 0 picks a free port (TCP then tries the same one). */
  udpPort?: number | false;
  tcpPort?: number | false;
  /** TURN over TLS (5349); skipped when absent. */
  tls?: { port: number; cert: string | Buffer; key: string | Buffer };
  /** Bytes queued on a TCP/TLS connection past which relayed data is dropped instead of buffered. */
  maxQueuedBytes?: number;
  maxConnections?: number;
  /** A TCP/TLS connection idle this long without an allocation is closed. */
  idleTimeoutMs?: number;
}

export interface TurnEndpoint {
  transport: ClientTransport;
  address: string;
  port: number;
}

export interface TurnListeners {
  readonly endpoints: TurnEndpoint[];
  close(): Promise<void>;
}

function bindUdp(server: TurnServer, host: string, port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      socket.on('error', (err) => server.log.warn({ err }, 'TURN: UDP socket error'));
      const local = socket.address();
      socket.on('message', (data, rinfo) => {
        const conn: ClientConnection = {
          transport: 'udp',
          remote: { address: rinfo.address, port: rinfo.port },
          local: { address: local.address, port: local.port },
          send: (out) => socket.send(out, rinfo.port, rinfo.address),
        };
        server.handle(data, conn);
      });
      resolve(socket);
    });
  });
}

function onStream(server: TurnServer, socket: Socket, transport: ClientTransport, maxQueued: number, idleMs: number): void {
  const framer = new StreamFramer();
  let closed = false;
  const conn: ClientConnection = {
    transport,
    remote: { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 },
    local: { address: socket.localAddress ?? '', port: socket.localPort ?? 0 },
    send: (out) => {
      if (!closed && socket.writableLength < maxQueued) socket.write(out);
    },
    get closed() {
      return closed;
    },
  };
  socket.setNoDelay(true);
  // A connection that holds no allocation after `idleMs` is closed (it costs a socket each).
  socket.setTimeout(idleMs, () => {
    if (!server.allocations.has(fiveTuple(conn))) socket.destroy();
  });
  socket.on('data', (chunk: Buffer) => {
    let frames: Buffer[];
    try {
      frames = framer.push(chunk);
    } catch (err) {
      if (!(err instanceof StunDecodeError)) throw err;
      server.log.debug({ code: err.code, transport }, 'TURN: closing a stream that is not STUN');
      socket.destroy();
      return;
    }
    for (const f of frames) server.handle(f, conn);
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    closed = true;
    server.connectionClosed(conn);
  });
}

function listenStream(tcp: TcpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => {
      tcp.off('error', reject);
      const addr = tcp.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

const closeServer = (s: TcpServer): Promise<void> => new Promise((resolve) => s.close(() => resolve()));

/** Starts the UDP, TCP and TLS listeners that feed `server`. */
export async function listenTurn(server: TurnServer, options: TurnListenOptions): Promise<TurnListeners> {
  const maxQueued = options.maxQueuedBytes ?? 1 << 20;
  const idleMs = options.idleTimeoutMs ?? 30_000;
  const endpoints: TurnEndpoint[] = [];
  const streams: TcpServer[] = [];
  let udp: UdpSocket | undefined;
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const makeTcp = (): TcpServer => {
    const tcp = createTcpServer((s) => {
      track(s);
      onStream(server, s, 'tcp', maxQueued, idleMs);
    });
    tcp.maxConnections = options.maxConnections ?? 20_000;
    return tcp;
  };
  try {
    // With port 0 for both, UDP picks a port and TCP tries to take the same (a few attempts).
    for (let attempt = 0; ; attempt++) {
      let udpPort: number | undefined;
      if (options.udpPort !== false && options.udpPort !== undefined) {
        udp = await bindUdp(server, options.host, options.udpPort);
        udpPort = udp.address().port;
      }
      if (options.tcpPort === false || options.tcpPort === undefined) break;
      const tcp = makeTcp();
      const want = options.tcpPort === 0 && udpPort !== undefined && options.udpPort === 0 ? udpPort : options.tcpPort;
      try {
        const port = await listenStream(tcp, options.host, want);
        streams.push(tcp);
        endpoints.push({ transport: 'tcp', address: options.host, port });
        break;
      } catch (err) {
        if (want === options.tcpPort || attempt >= 8 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        udp?.close();
        udp = undefined;
      }
    }
    if (udp) endpoints.unshift({ transport: 'udp', address: options.host, port: udp.address().port });
    if (options.tls) {
      const tls = createTlsServer({ cert: options.tls.cert, key: options.tls.key }, (s) => {
        track(s);
        onStream(server, s, 'tls', maxQueued, idleMs);
      });
      tls.on('tlsClientError', () => {});
      tls.maxConnections = options.maxConnections ?? 20_000;
      const port = await listenStream(tls, options.host, options.tls.port);
      streams.push(tls);
      endpoints.push({ transport: 'tls', address: options.host, port });
    }
  } catch (err) {
    udp?.close();
    await Promise.all(streams.map(closeServer));
    throw err;
  }
  let closed = false;
  return {
    endpoints,
    async close() {
      if (closed) return;
      closed = true;
      udp?.close();
      for (const s of sockets) s.destroy();
      await Promise.all(streams.map(closeServer));
    },
  };
}
