import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { classifyPacket } from '../demux.ts';
import { createDtlsCertificate, type DtlsCertificate, type DtlsFingerprint } from './dtls.ts';
import { addressKey, createIceParameters, handleStunDatagram, type IceAddress, type IceParameters } from './ice-lite.ts';
import type { DataChannelLimits } from '../datachannel/data-channels.ts';
import { EndpointPeer } from './peer.ts';
import { SendRing } from './send-ring.ts';
import { IceTcpListener, type IceTcpLimits, type IceTcpStats } from './tcp.ts';

/** The dgram lookup for IP literals: synchronous, so a send happens inside `socket.send`, not a tick later. */
function literalLookup(address: string, _family: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, address, 4);
}

/** Receive and send buffer asked for on the media socket. */
export const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export interface MediaEndpointOptions {
  /** Address the UDP socket binds; default 0.0.0.0. */
  listenAddress?: string;
  /** UDP port; 0 picks a free one. The SFU's default is 40000 (one port for every client). */
  port?: number;
  /** The address written into the host candidate, when clients reach us on another than the bound one. */
  announcedAddress?: string;
  /**
   * Also accept ICE-TCP (RFC 6544, passive) on this TCP port, for clients whose network blocks UDP; 0 picks a
   * free one. Undefined: UDP only.
   */
  tcpPort?: number;
  /** ICE-TCP limits (connections, time to authenticate, bytes queued per client); defaults in tcp.ts. */
  tcpLimits?: Partial<IceTcpLimits>;
  /** Reuse a certificate (its fingerprint is in SDP already); default a fresh ECDSA P-256 one. */
  certificate?: DtlsCertificate;
  /** Limits of every peer's data channels; defaults in datachannel/data-channels.ts. */
  dataChannelLimits?: Partial<DataChannelLimits>;
}

export interface MediaEndpointStats {
  /** UDP datagrams and ICE-TCP frames. */
  datagramsReceived: number;
  /** Binding requests answered with success. */
  stunBindings: number;
  /** Our fragment, wrong MESSAGE-INTEGRITY: answered 401. */
  stunUnauthenticated: number;
  /** USERNAME names no peer of ours, or the wrong remote fragment: dropped unanswered. */
  stunUnknownUsername: number;
  /** Not decodable as STUN although its first byte says so. */
  stunMalformed: number;
  /** STUN we do not answer: responses, indications, other methods, missing USERNAME/MESSAGE-INTEGRITY. */
  stunIgnored: number;
  /** Non-STUN from an address no Binding request authenticated. */
  unknownSource: number;
  /** A handler threw: a bug, counted and survived. */
  internalErrors: number;
  /** Errors the socket reported (e.g. ICMP unreachable surfacing on a later send). */
  socketErrors: number;
}

export type { IceTcpStats };

export interface CreatePeerOptions {
  /** The client's ice-ufrag (from its offer); checks naming another are dropped. */
  remoteUsernameFragment?: string;
  /** The client's a=fingerprint; DTLS fails unless its certificate matches. */
  remoteFingerprint?: DtlsFingerprint;
  /** Local credentials; default fresh random ones. */
  iceParameters?: IceParameters;
}

/**
 * The SFU's transport endpoint: one UDP socket for every client. A datagram is routed by its source address
 * once an authenticated STUN Binding request from that address named a peer's local ice-ufrag (RFC 8445 §7.3,
 * ICE-lite); STUN, DTLS and SRTP share the port by first byte (RFC 7983). Unknown or bad input is counted and
 * dropped, never thrown.
 */
export class MediaEndpoint {
  readonly certificate: DtlsCertificate;
  readonly announcedAddress: string;
  readonly stats: MediaEndpointStats = {
    datagramsReceived: 0,
    stunBindings: 0,
    stunUnauthenticated: 0,
    stunUnknownUsername: 0,
    stunMalformed: 0,
    stunIgnored: 0,
    unknownSource: 0,
    internalErrors: 0,
    socketErrors: 0,
  };
  /** Memory for packets built only to be sent now (see SendRing); retired when a send has to queue. */
  readonly sendRing = new SendRing();
  readonly #socket: Socket;
  #tcp: IceTcpListener | undefined;
  readonly #byUsernameFragment = new Map<string, EndpointPeer>();
  readonly #byAddress = new Map<string, EndpointPeer>();
  #closed = false;
  #dataChannelLimits: Partial<DataChannelLimits> | undefined;

  private constructor(socket: Socket, certificate: DtlsCertificate, announcedAddress: string) {
    this.#socket = socket;
    this.certificate = certificate;
    this.announcedAddress = announcedAddress;
    socket.on('message', (msg, rinfo) => this.#onMessage(msg, rinfo));
    // A send error (ICMP unreachable reported on a later call) concerns one client, not the socket.
    socket.on('error', () => {
      this.stats.socketErrors++;
    });
  }

  static async create(options: MediaEndpointOptions = {}): Promise<MediaEndpoint> {
    const certificate = options.certificate ?? (await createDtlsCertificate());
    // Every client's media arrives on this one socket: the default ~208 KiB receive buffer overflows within
    // milliseconds of an event-loop pause at tens of thousands of packets/s (bench/sfu measured drops there).
    // The kernel caps these at net.core.rmem_max / wmem_max.
    // Every address we send to came from a datagram's source (an IP literal), so there is nothing to resolve: the
    // default lookup defers each send to process.nextTick with two closures, ~a sixth of the SFU's CPU per packet.
    const socket = createSocket({ type: 'udp4', recvBufferSize: SOCKET_BUFFER_BYTES, sendBufferSize: SOCKET_BUFFER_BYTES, lookup: literalLookup });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port ?? 40000, options.listenAddress ?? '0.0.0.0', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const bound = socket.address().address;
    const endpoint = new MediaEndpoint(socket, certificate, options.announcedAddress ?? bound);
    endpoint.#dataChannelLimits = options.dataChannelLimits;
    if (options.tcpPort !== undefined) {
      try {
        endpoint.#tcp = await IceTcpListener.listen(options.tcpPort, options.listenAddress ?? '0.0.0.0', {
          limits: options.tcpLimits,
          onFrame: (frame, from) => endpoint.#onPacket(frame, from),
          onClose: (from) => endpoint.#forgetAddress(from),
        });
      } catch (err) {
        await endpoint.close();
        throw err;
      }
    }
    return endpoint;
  }

  /** The bound socket address. */
  get address(): IceAddress {
    const { address, port } = this.#socket.address();
    return { address, port };
  }

  /** What goes into the SDP answer's candidate line. */
  get hostCandidate(): IceAddress {
    return { address: this.announcedAddress, port: this.address.port };
  }

  /** The passive ICE-TCP candidate, when the endpoint listens on TCP. */
  get tcpCandidate(): IceAddress | undefined {
    return this.#tcp ? { address: this.announcedAddress, port: this.#tcp.port, transport: 'tcp' } : undefined;
  }

  /** ICE-TCP counters, when the endpoint listens on TCP. */
  get tcpStats(): IceTcpStats | undefined {
    return this.#tcp?.stats;
  }

  get fingerprint(): DtlsFingerprint {
    return this.certificate.fingerprint;
  }

  get peerCount(): number {
    return this.#byUsernameFragment.size;
  }

  /** A transport for one client: its local ICE credentials go into that client's answer. */
  createPeer(options: CreatePeerOptions = {}): EndpointPeer {
    if (this.#closed) throw new Error('MediaEndpoint is closed');
    let iceParameters = options.iceParameters ?? createIceParameters();
    while (!options.iceParameters && this.#byUsernameFragment.has(iceParameters.usernameFragment)) iceParameters = createIceParameters();
    if (this.#byUsernameFragment.has(iceParameters.usernameFragment)) throw new TypeError(`ice-ufrag ${iceParameters.usernameFragment} is in use`);
    const peer = new EndpointPeer({
      iceParameters,
      remoteUsernameFragment: options.remoteUsernameFragment,
      remoteFingerprint: options.remoteFingerprint,
      certificate: this.certificate,
      send: (datagram, to) => this.#send(datagram, to),
      onClose: (p) => this.#forget(p),
      ...(this.#dataChannelLimits ? { dataChannelLimits: this.#dataChannelLimits } : {}),
    });
    this.#byUsernameFragment.set(iceParameters.usernameFragment, peer);
    return peer;
  }

  /** An ICE restart of one peer: fresh local credentials, re-indexed; returns them for the answer. */
  restartIce(peer: EndpointPeer, remoteUsernameFragment: string): IceParameters {
    let local = createIceParameters();
    while (this.#byUsernameFragment.has(local.usernameFragment)) local = createIceParameters();
    if (this.#byUsernameFragment.get(peer.iceParameters.usernameFragment) === peer) this.#byUsernameFragment.delete(peer.iceParameters.usernameFragment);
    // The selected address keeps routing until a check on the new credentials moves it (no gap in media).
    peer.restartIce(local, remoteUsernameFragment);
    this.#byUsernameFragment.set(local.usernameFragment, peer);
    return local;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of [...this.#byUsernameFragment.values()]) peer.close();
    await Promise.all([this.#tcp?.close(), new Promise<void>((resolve) => this.#socket.close(() => resolve()))]);
  }

  #send(datagram: Buffer, to: IceAddress): void {
    if (this.#closed) return;
    if (to.transport === 'tcp') {
      this.#tcp?.send(datagram, to);
      return;
    }
    this.#socket.send(datagram, to.port, to.address);
    // Sent inside send() unless the kernel queue was full: then Node holds the datagram's memory until it drains.
    if (this.#socket.getSendQueueCount() > 0) this.sendRing.retire();
  }

  /** An ICE-TCP connection closed: its address routes nowhere now (a new connection gets a new port). */
  #forgetAddress(address: IceAddress): void {
    this.#byAddress.delete(addressKey(address));
  }

  #forget(peer: EndpointPeer): void {
    if (this.#byUsernameFragment.get(peer.iceParameters.usernameFragment) === peer) this.#byUsernameFragment.delete(peer.iceParameters.usernameFragment);
    for (const [key, p] of this.#byAddress) if (p === peer) this.#byAddress.delete(key);
  }

  #onMessage(datagram: Buffer, rinfo: RemoteInfo): void {
    // RemoteInfo is an IceAddress (transport undefined: UDP); no object built per datagram.
    this.#onPacket(datagram, rinfo);
  }

  /** A UDP datagram, or one ICE-TCP frame (`from.transport` 'tcp'): the same routing for both. */
  #onPacket(datagram: Buffer, from: IceAddress): void {
    this.stats.datagramsReceived++;
    try {
      const kind = classifyPacket(datagram);
      if (kind === 'stun') {
        this.#onStun(datagram, from);
        return;
      }
      const peer = this.#byAddress.get(addressKey(from));
      if (!peer) {
        this.stats.unknownSource++;
        return;
      }
      peer.handleDatagram(kind, datagram);
    } catch {
      this.stats.internalErrors++;
    }
  }

  #onStun(datagram: Buffer, source: IceAddress): void {
    const verdict = handleStunDatagram(datagram, source, (ufrag) => this.#byUsernameFragment.get(ufrag)?.iceParameters.password);
    switch (verdict.kind) {
      case 'not-stun':
        this.stats.stunMalformed++;
        return;
      case 'ignored':
        this.stats.stunIgnored++;
        return;
      case 'unknown-username':
        this.stats.stunUnknownUsername++;
        return;
      case 'unauthenticated':
        this.stats.stunUnauthenticated++;
        this.#send(verdict.response, source);
        return;
      case 'binding': {
        const peer = this.#byUsernameFragment.get(verdict.localUsernameFragment);
        if (!peer || (peer.remoteUsernameFragment !== undefined && peer.remoteUsernameFragment !== verdict.remoteUsernameFragment)) {
          this.stats.stunUnknownUsername++;
          return;
        }
        if (!peer.handleBinding(source, verdict.nominated)) {
          this.stats.stunIgnored++;
          return;
        }
        const key = addressKey(source);
        if (source.transport === 'tcp') this.#tcp?.markAuthenticated(source);
        const previous = this.#byAddress.get(key);
        // An address moves to whichever peer last authenticated from it (a client that rejoined).
        if (previous !== peer) this.#byAddress.set(key, peer);
        this.stats.stunBindings++;
        this.#send(verdict.response, source);
        return;
      }
    }
  }
}
