import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import {
  CombinedCredentials, PeerAddressPolicy, RestSecretCredentials, StaticUsers, TurnServer, listenTurn, normalizeIp, udpRelayFactory,
  type TurnListeners,
} from '@parley/turn';
import { ConfigError, type Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { TlsMaterial } from './tls.ts';

/** What the signaling layer needs to hand out: URLs and the REST secret (see auth.ts iceServersFor). */
export interface TurnAdvertisement {
  urls: string[];
  secret: string;
  ttlS: number;
}

export interface BuiltInTurn {
  readonly advertisement: TurnAdvertisement;
  readonly server: TurnServer;
  readonly listeners: TurnListeners;
  close(): Promise<void>;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

function interfaceAddresses(): Array<{ address: string; internal: boolean; family: string }> {
  return Object.values(networkInterfaces()).flatMap((list) => list ?? []);
}

function isPrivateOrLoopback(ip: string): boolean {
  return new PeerAddressPolicy().check(ip) === 'deny';
}

/** The address clients are told to use: publicAddress, else the listen host, else a guess from the interfaces. */
function advertisedAddress(config: Config, host: string, log: Logger): string {
  const { publicAddress } = config.turn;
  const local = interfaceAddresses();
  if (publicAddress) {
    if (isPrivateOrLoopback(publicAddress)) log.warn({ publicAddress }, 'turn.publicAddress is a loopback/private address: clients on other networks cannot reach it');
    if (!local.some((i) => normalizeIp(i.address) === normalizeIp(publicAddress)) && WILDCARDS.has(host) === false && host !== publicAddress) {
      log.warn({ publicAddress, host }, 'turn.publicAddress is not on this machine: check that UDP/TCP 3478 and the relay port range are forwarded to it');
    }
    return publicAddress;
  }
  if (!WILDCARDS.has(host)) return host;
  const guess = local.find((i) => !i.internal && i.family === 'IPv4') ?? local.find((i) => i.family === 'IPv4');
  const address = guess?.address ?? '127.0.0.1';
  log.warn({ address }, 'TURN listens on all interfaces without turn.publicAddress: advertising the first interface address');
  return address;
}

function url(scheme: 'turn' | 'turns', host: string, port: number, transport: 'udp' | 'tcp'): string {
  return `${scheme}:${isIP(host) === 6 ? `[${host}]` : host}:${port}?transport=${transport}`;
}

/** Starts the built-in TURN server from `config.turn` (or returns undefined when it is off). */
export async function startBuiltInTurn(options: { config: Config; tls: TlsMaterial | undefined; logger: Logger; metrics: Metrics; signalingPort: number }): Promise<BuiltInTurn | undefined> {
  const { config, metrics } = options;
  const t = config.turn;
  const log = options.logger.child({ component: 'turn' });
  if (!t.enabled) return undefined;
  if (config.ice.turn) {
    log.info('ice.turn names an external TURN server: the built-in one is not started');
    return undefined;
  }
  const host = t.host ?? config.server.host;
  const secret = t.secret ?? randomBytes(24).toString('base64url');
  const advertised = advertisedAddress(config, host, log);
  const relayBind = t.relay.address ?? host;
  const relayAdvertised = WILDCARDS.has(relayBind) ? advertised : relayBind;
  const range = { min: t.relay.portMin, max: t.relay.portMax };
  let policy: PeerAddressPolicy;
  try {
    policy = new PeerAddressPolicy({
      allow: t.allowPeers,
      deny: t.denyPeers,
      ownAddresses: [...interfaceAddresses().map((i) => i.address), advertised, ...(WILDCARDS.has(host) ? [] : [host])],
      relayAddresses: [relayAdvertised, ...(WILDCARDS.has(relayBind) ? [] : [relayBind])],
      relayPortRange: range,
      protectedEndpoints: [{ address: '*', port: options.signalingPort }],
    });
  } catch (err) {
    throw new ConfigError(`turn.allowPeers/denyPeers: ${(err as Error).message}`);
  }
  const family = isIP(relayAdvertised) === 6 ? 'IPv6' : 'IPv4';
  const server = new TurnServer({
    realm: t.realm,
    credentials: new CombinedCredentials([new StaticUsers(t.users), new RestSecretCredentials(secret)]),
    policy,
    relay: udpRelayFactory({ addresses: [WILDCARDS.has(relayBind) ? (family === 'IPv6' ? '::' : '0.0.0.0') : relayBind], portRange: range, advertise: { [family]: relayAdvertised } }),
    quota: t.quota,
    lifetimes: t.lifetimes,
    nonceTtlS: t.lifetimes.nonceS,
    software: 'Parley',
    logger: log,
    metrics: {
      allocations: (n) => metrics.turnAllocations.set(n),
      relayed: (direction, bytes) => metrics.turnRelayedBytes.inc({ direction }, bytes),
      error: (code) => metrics.turnErrors.inc({ code: String(code) }),
    },
  });
  let listeners: TurnListeners;
  try {
    listeners = await listenTurn(server, {
      host: WILDCARDS.has(host) ? '0.0.0.0' : host,
      udpPort: t.udpPort,
      tcpPort: t.tcpPort,
      ...(options.tls ? { tls: { port: t.tlsPort, cert: options.tls.cert, key: options.tls.key } } : {}),
    });
  } catch (err) {
    server.close();
    throw err;
  }
  for (const e of listeners.endpoints) policy.protect('*', e.port);
  const urls = listeners.endpoints.map((e) => url(e.transport === 'tls' ? 'turns' : 'turn', advertised, e.port, e.transport === 'udp' ? 'udp' : 'tcp'));
  log.info({ urls, relay: `${relayAdvertised}:${range.min}-${range.max}`, realm: t.realm }, 'TURN server listening');
  if (isPrivateOrLoopback(advertised) && !t.publicAddress) log.info({ address: advertised }, 'TURN is advertised on a loopback/private address: set turn.publicAddress for clients on other networks');
  if (options.tls?.selfSigned) log.warn('TURN over TLS uses a self-signed certificate: browsers will not use turns: URLs unless they trust it');
  if (!t.secret) log.info('no turn.secret configured: TURN credentials use a random secret for this process');
  let closed = false;
  return {
    advertisement: { urls, secret, ttlS: t.ttlS },
    server,
    listeners,
    async close() {
      if (closed) return;
      closed = true;
      server.close();
      await listeners.close();
    },
  };
}
