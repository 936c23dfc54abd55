import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect as tcpConnect, type Socket as TcpSocket } from 'node:net';
import { expect } from 'vitest';
import { Attr, decodeMessage, readXorAddress, shortTermKey, verifyIntegrity } from '@parley/stun';
import type { DtlsClient } from 'werift-dtls/lib/dtls/src/index.js';
import { serializeRtp, type DtlsCertificate, type EndpointPeer, type SrtpSession } from '@parley/media';
import { bindingRequest, completeDtlsSrtp, createDtlsClient } from './webrtc-client.ts';

export { until } from './webrtc-client.ts';

/**
 * A client of the media endpoint on loopback, as the browser's side of one candidate pair: it separates DTLS
 * records (handed to werift) from everything else (kept in `inbox`).
 */
export interface EndpointClient {
  readonly inbox: Buffer[];
  onDtls: (datagram: Buffer) => void;
  /** The client's local port: what the endpoint sees as the source. */
  readonly localPort: number;
  send(datagram: Uint8Array): void;
  next(timeoutMs?: number): Promise<Buffer | undefined>;
  close(): void;
}

abstract class BaseClient {
  readonly inbox: Buffer[] = [];
  onDtls: (datagram: Buffer) => void = () => undefined;

  protected receive(m: Buffer): void {
    if (m[0] !== undefined && m[0] >= 20 && m[0] <= 63) this.onDtls(m);
    else this.inbox.push(m);
  }

  async next(timeoutMs = 1000): Promise<Buffer | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    return this.inbox.shift();
  }
}

export class UdpClient extends BaseClient implements EndpointClient {
  readonly socket: UdpSocket = createSocket('udp4');

  constructor(readonly server: { address: string; port: number }) {
    super();
    this.socket.on('message', (m) => this.receive(m));
  }

  async bind(): Promise<this> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    return this;
  }

  get localPort(): number {
    return this.socket.address().port;
  }

  send(datagram: Uint8Array): void {
    this.socket.send(datagram, this.server.port, this.server.address);
  }

  close(): void {
    this.socket.close();
  }
}

/** The active side of ICE-TCP (RFC 6544): one connection, every packet framed by a 16-bit length (RFC 4571). */
export class TcpClient extends BaseClient implements EndpointClient {
  readonly socket: TcpSocket;
  #pending = Buffer.alloc(0);

  private constructor(socket: TcpSocket) {
    super();
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#pending = Buffer.concat([this.#pending, chunk]);
      while (this.#pending.length >= 2 && this.#pending.length >= 2 + this.#pending.readUInt16BE(0)) {
        const length = this.#pending.readUInt16BE(0);
        this.receive(Buffer.from(this.#pending.subarray(2, 2 + length)));
        this.#pending = this.#pending.subarray(2 + length);
      }
    });
    socket.on('error', () => undefined);
  }

  static async connect(server: { address: string; port: number }): Promise<TcpClient> {
    const socket = tcpConnect({ host: server.address, port: server.port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new TcpClient(socket);
  }

  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  send(datagram: Uint8Array): void {
    this.sendRaw(Buffer.concat([Buffer.from([datagram.length >> 8, datagram.length & 0xff]), datagram]));
  }

  /** Bytes as they are, for framing tests. */
  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}

export const rtp = (seq: number, ssrc: number, payloadType: number, size = 120): Buffer =>
  serializeRtp({ marker: false, payloadType, sequenceNumber: seq & 0xffff, timestamp: (seq * 960) >>> 0, ssrc, csrcs: [], extensions: new Map(), paddingLength: 0, payload: Buffer.alloc(size, seq & 0xff) });

/** A werift DTLS client whose records go through `client` (the endpoint is the DTLS server). */
export function dtlsClient(client: EndpointClient, certificate: DtlsCertificate): DtlsClient {
  const dtls = createDtlsClient(certificate, client.localPort, (d) => client.send(d));
  client.onDtls = (m) => dtls.transport.socket.onData(m, ['127.0.0.1', 0]);
  return dtls;
}

/**
 * ICE check with USE-CANDIDATE, then a werift DTLS client, as a browser would; returns its SRTP sender and
 * receiver (client write key, server write key).
 */
export async function connect(client: EndpointClient, peer: EndpointPeer, certificate: DtlsCertificate): Promise<{ srtp: SrtpSession; fromServer: SrtpSession; dtls: DtlsClient }> {
  client.send(bindingRequest(`${peer.iceParameters.usernameFragment}:cli1`, peer.iceParameters.password));
  const response = decodeMessage((await client.next()) as Buffer);
  expect(response.cls).toBe('success');
  expect(verifyIntegrity(response, shortTermKey(peer.iceParameters.password))).toBe(true);
  expect(readXorAddress(response, Attr['XOR-MAPPED-ADDRESS'])?.port).toBe(client.localPort);
  const dtls = dtlsClient(client, certificate);
  const { outbound, inbound } = await completeDtlsSrtp(dtls);
  return { srtp: outbound, fromServer: inbound, dtls };
}
