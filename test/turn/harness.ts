import { createSocket, type Socket } from 'node:dgram';
import {
  CombinedCredentials, PeerAddressPolicy, RestSecretCredentials, StaticUsers, TurnServer, listenTurn, udpRelayFactory,
  type TurnListeners, type TurnServerOptions,
} from '@parley/turn';

export const USER = 'alice';
export const PASSWORD = 'wonderland';
export const REST_SECRET = 'turn-rest-secret';

export interface TurnHarness {
  server: TurnServer;
  listeners: TurnListeners;
  udp: { address: string; port: number };
  tcp: { address: string; port: number };
  close(): Promise<void>;
}

/** A TURN server on 127.0.0.1 (ephemeral ports); `allowLoopback` allow-lists 127.0.0.0/8 for relaying. */
export async function startTurn(options: { allowLoopback?: boolean } & Partial<TurnServerOptions> = {}): Promise<TurnHarness> {
  const policy = new PeerAddressPolicy({ allow: options.allowLoopback ? ['127.0.0.0/8'] : [], ownAddresses: ['127.0.0.1'] });
  const server = new TurnServer({
    realm: 'parley.test',
    credentials: new CombinedCredentials([new StaticUsers({ [USER]: PASSWORD, bob: 'builder' }), new RestSecretCredentials(REST_SECRET)]),
    policy,
    relay: udpRelayFactory({ addresses: ['127.0.0.1'] }),
    sweepIntervalMs: 100,
    ...options,
  });
  const listeners = await listenTurn(server, { host: '127.0.0.1', udpPort: 0, tcpPort: 0 });
  for (const e of listeners.endpoints) policy.protect(e.address, e.port);
  const find = (t: string): { address: string; port: number } => {
    const e = listeners.endpoints.find((x) => x.transport === t);
    if (!e) throw new Error(`no ${t} listener`);
    return { address: e.address, port: e.port };
  };
  return {
    server,
    listeners,
    udp: find('udp'),
    tcp: find('tcp'),
    async close() {
      server.close();
      await listeners.close();
    },
  };
}

/** A UDP peer on 127.0.0.1 that records what it receives. */
export async function startPeer(): Promise<{ socket: Socket; address: string; port: number; received: Array<{ data: Buffer; from: { address: string; port: number } }>; close(): void }> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const received: Array<{ data: Buffer; from: { address: string; port: number } }> = [];
  socket.on('message', (data, rinfo) => received.push({ data, from: { address: rinfo.address, port: rinfo.port } }));
  return { socket, address: '127.0.0.1', port: socket.address().port, received, close: () => socket.close() };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 20 ms until it holds or `timeoutMs` passes. */
export async function until(check: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}
