import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';

/** A bound relay socket (RFC 8656 §2: the relayed transport address). */
export interface RelaySocket {
  readonly address: string;
  readonly port: number;
  send(data: Buffer, port: number, address: string): void;
  onMessage(listener: (data: Buffer, from: { address: string; port: number }) => void): void;
  close(): void;
}

export interface RelayRequest {
  family: 'IPv4' | 'IPv6';
  /** RFC 8656 §14.6 EVEN-PORT. */
  evenPort: boolean;
  /** This exact port (the odd half of an EVEN-PORT reservation); one try. */
  port?: number;
}

/** Makes relay sockets; throws (or rejects) when none can be had (→ 508 Insufficient Capacity). */
export type RelayFactory = (request: RelayRequest) => Promise<RelaySocket>;

export interface UdpRelayOptions {
  /** IPv4 and/or IPv6 addresses to bind relays to (one per family). */
  addresses: string[];
  /** Inclusive port range; omit to let the system choose. */
  portRange?: { min: number; max: number };
  /** Ports tried before giving up. */
  maxTries?: number;
  /** Address reported in XOR-RELAYED-ADDRESS when relays bind a wildcard or sit behind NAT, per family. */
  advertise?: { IPv4?: string; IPv6?: string };
}

function wrap(socket: Socket, address: string, port: number): RelaySocket {
  return {
    address,
    port,
    send: (data, toPort, toAddress) => socket.send(data, toPort, toAddress),
    onMessage: (listener) => socket.on('message', (data, rinfo) => listener(data, { address: rinfo.address, port: rinfo.port })),
    close: () => {
      try {
        socket.close();
      } catch {
        // already closed
      }
    },
  };
}

function bindOnce(address: string, port: number, advertised = address): Promise<RelaySocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', ipv6Only: isIPv6(address) });
    socket.once('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.bind(port, address, () => {
      socket.removeAllListeners('error');
      // A relay socket error (ICMP unreachable and the like) must not crash the process.
      socket.on('error', () => {});
      resolve(wrap(socket, advertised, socket.address().port));
    });
  });
}

/** Binds UDP relay sockets on the configured addresses, within the port range (bounded tries). */
export function udpRelayFactory(options: UdpRelayOptions): RelayFactory {
  const maxTries = options.maxTries ?? 50;
  return async ({ family, evenPort, port: exactPort }) => {
    const address = options.addresses.find((a) => (family === 'IPv6') === isIPv6(a));
    if (!address) throw Object.assign(new Error(`no ${family} relay address`), { code: 'EAFNOSUPPORT' });
    const advertised = options.advertise?.[family] ?? address;
    if (exactPort !== undefined) return bindOnce(address, exactPort, advertised);
    const range = options.portRange;
    for (let i = 0; i < maxTries; i++) {
      let port = 0;
      if (range) {
        port = range.min + Math.floor(Math.random() * (range.max - range.min + 1));
        if (evenPort && port % 2 === 1) port = port + 1 <= range.max ? port + 1 : port - 1;
        if (port < range.min) continue;
      }
      try {
        const socket = await bindOnce(address, port, advertised);
        if (evenPort && socket.port % 2 === 1) {
          socket.close();
          continue;
        }
        return socket;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      }
    }
    throw Object.assign(new Error('no free relay port'), { code: 'EADDRINUSE' });
  };
}
