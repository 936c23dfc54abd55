import { readFileSync } from 'node:fs';
import { createSocket, type Socket } from 'node:dgram';
import { Attr, StunMessageBuilder, StunMethod, decodeMessage, shortTermKey, verifyIntegrity } from '@parley/stun';
import { DtlsClient } from 'werift-dtls/lib/dtls/src/index.js';
import { SRTP_PROFILES, SfuTransport, SrtpSession, isRtcp, seqDiff, serializeRtp, splitDtlsSrtpKeyingMaterial, type DtlsCertificate, type MediaEndpoint, type Router } from '@parley/media';

/**
 * A browser's media side, from Node, for tests against the SFU's one UDP port: ICE-lite checks (RFC 8445 §7.2.2),
 * a werift DTLS client (RFC 5764), and SRTP both ways. It offers the Chromium 156 fixture with its own ICE
 * credentials and certificate fingerprint, so `SfuTransport.negotiate` can answer it.
 */

const FIXTURE = new URL('../../packages/media/src/endpoint/fixtures/chrome-156-sfu-offer.sdp', import.meta.url);
/** Extension ids the fixture offers (RFC 8285): sdes:mid and sdes:rtp-stream-id. */
export const MID_EXTENSION_ID = 4;
export const RID_EXTENSION_ID = 10;
/** The fixture's Opus payload type. */
export const OPUS_PT = 111;

/**
 * A werift DTLS client (RFC 5764: the browser's role; the SFU is the server) whose records go out through `send`.
 * Feed it what arrives with `dtls.transport.socket.onData(record, …)`.
 */
export function createDtlsClient(certificate: DtlsCertificate, localPort: number, send: (record: Buffer) => void): DtlsClient {
  return new DtlsClient({
    transport: { type: 'udp', address: { address: '127.0.0.1', family: 'IPv4', port: localPort }, closed: false, onData: () => undefined, send: async (data) => send(data), close: async () => undefined },
    cert: certificate.certPem,
    key: certificate.keyPem,
    signatureHash: { hash: 4, signature: 3 },
    srtpProfiles: [SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80.dtlsId as 1],
    extendedMasterSecret: true,
  });
}

/** Runs the handshake; the SRTP sessions for what we send (client write key) and what we receive (server's). */
export async function completeDtlsSrtp(dtls: DtlsClient): Promise<{ outbound: SrtpSession; inbound: SrtpSession }> {
  const connected = new Promise<void>((resolve) => dtls.onConnect.once(() => resolve()));
  // werift's connect() resolves only after its first retransmission timer (500 ms): wait for the event instead.
  dtls.connect().catch(() => undefined);
  await connected;
  const profile = 'AES_CM_128_HMAC_SHA1_80';
  const { keyLength, saltLength } = SRTP_PROFILES[profile];
  const keys = splitDtlsSrtpKeyingMaterial(profile, dtls.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 2 * (keyLength + saltLength)));
  return {
    outbound: new SrtpSession({ profile, masterKey: keys.client.masterKey, masterSalt: keys.client.masterSalt }),
    inbound: new SrtpSession({ profile, masterKey: keys.server.masterKey, masterSalt: keys.server.masterSalt }),
  };
}

/** STUN Binding request with USERNAME `local:remote` and MESSAGE-INTEGRITY under `password` (RFC 8445 §7.2.2). */
export function bindingRequest(username: string, password: string, useCandidate = true): Buffer {
  const b = new StunMessageBuilder(StunMethod.Binding, 'request').text(Attr.USERNAME, username).uint32(Attr.PRIORITY, 1853824767);
  b.add(Attr['ICE-CONTROLLING'], Buffer.alloc(8, 7));
  if (useCandidate) b.add(Attr['USE-CANDIDATE'], Buffer.alloc(0));
  return b.encode({ integrity: shortTermKey(password), fingerprint: true });
}

/** A clear Opus RTP packet; `mid`/`rid` go into RFC 8843/8852 header extensions as the fixture numbers them. */
export function opusRtp(seq: number, ssrc: number, options: { mid?: string; rid?: string; payloadType?: number; size?: number } = {}): Buffer {
  const extensions = new Map<number, Buffer>();
  if (options.mid !== undefined) extensions.set(MID_EXTENSION_ID, Buffer.from(options.mid));
  if (options.rid !== undefined) extensions.set(RID_EXTENSION_ID, Buffer.from(options.rid));
  return serializeRtp({
    marker: false, payloadType: options.payloadType ?? OPUS_PT, sequenceNumber: seq & 0xffff, timestamp: (seq * 960) >>> 0, ssrc, csrcs: [], extensions, paddingLength: 0,
    payload: Buffer.alloc(options.size ?? 80, seq & 0xff),
  });
}

/** Reads `a=ice-ufrag` / `a=ice-pwd` (the first of each) from an SDP. */
export function iceCredentials(sdp: string): { ufrag: string; pwd: string } {
  const ufrag = /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
  const pwd = /^a=ice-pwd:(\S+)/m.exec(sdp)?.[1];
  if (!ufrag || !pwd) throw new Error('SDP without ice-ufrag/ice-pwd');
  return { ufrag, pwd };
}

export interface ReceivedMedia {
  /** SRTP packets that decrypted, and those that did not. */
  packets: number;
  bytes: number;
  decryptFailures: number;
  /** Packets whose sequence number was not newer than the last one of their SSRC (RFC 3550 A.1 arithmetic). */
  notIncreasing: number;
  rtcp: number;
  lastSeq: Map<number, number>;
}

let counter = 0;

/** One browser: a UDP socket on 127.0.0.1, its ICE credentials, certificate, and the SRTP sessions once connected. */
export class WebRtcClient {
  readonly socket: Socket = createSocket('udp4');
  readonly ufrag = `cli${++counter}`;
  readonly pwd = `client-password-${counter}`.padEnd(24, 'x');
  readonly received: ReceivedMedia = { packets: 0, bytes: 0, decryptFailures: 0, notIncreasing: 0, rtcp: 0, lastSeq: new Map() };
  /** Non-DTLS, non-media datagrams (STUN responses), oldest first. */
  readonly inbox: Buffer[] = [];
  /** Protects what we send (client write key) / unprotects what the server sends, after `connect`. */
  outbound: SrtpSession | undefined;
  inbound: SrtpSession | undefined;
  /** Sees every clear RTP packet received (valid only during the call). */
  onRtp: ((clear: Buffer) => void) | undefined;
  #onDtls: (datagram: Buffer) => void = () => undefined;
  #closed = false;

  private constructor(readonly server: { address: string; port: number }, readonly certificate: DtlsCertificate) {
    this.socket.on('message', (m) => this.#onMessage(m));
  }

  static async create(server: { address: string; port: number }, certificate: DtlsCertificate): Promise<WebRtcClient> {
    const client = new WebRtcClient(server, certificate);
    await new Promise<void>((resolve) => client.socket.bind(0, '127.0.0.1', resolve));
    return client;
  }

  /** The fixture offer with this client's credentials and fingerprint in every section. */
  offer(): string {
    return readFileSync(FIXTURE, 'utf8')
      .replace(/^a=ice-ufrag:.*$/gm, `a=ice-ufrag:${this.ufrag}`)
      .replace(/^a=ice-pwd:.*$/gm, `a=ice-pwd:${this.pwd}`)
      .replace(/^a=fingerprint:.*$/gm, `a=fingerprint:sha-256 ${this.certificate.fingerprint.value}`);
  }

  send(datagram: Uint8Array): void {
    if (!this.#closed) this.socket.send(datagram, this.server.port, this.server.address);
  }

  /** Protects and sends one clear RTP packet. */
  sendRtp(clear: Buffer): void {
    this.send((this.outbound as SrtpSession).protectRtp(clear));
  }

  async nextStun(timeoutMs = 1000): Promise<Buffer | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    return this.inbox.shift();
  }

  /** ICE check with USE-CANDIDATE against the answer's credentials, then the DTLS handshake; sets the SRTP sessions. */
  async connect(answerSdp: string): Promise<void> {
    const { ufrag, pwd } = iceCredentials(answerSdp);
    this.send(bindingRequest(`${ufrag}:${this.ufrag}`, pwd));
    const response = await this.nextStun();
    if (!response) throw new Error('no answer to the ICE check');
    const decoded = decodeMessage(response);
    if (decoded.cls !== 'success' || !verifyIntegrity(decoded, shortTermKey(pwd))) throw new Error(`ICE check failed: ${decoded.cls}`);
    const dtls = createDtlsClient(this.certificate, this.socket.address().port, (data) => this.send(data));
    this.#onDtls = (m) => dtls.transport.socket.onData(m, ['127.0.0.1', 0]);
    const { outbound, inbound } = await completeDtlsSrtp(dtls);
    this.outbound = outbound;
    this.inbound = inbound;
  }

  /** Closes the socket without a word to the server: the browser crashed or lost its network. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onDtls = () => undefined;
    this.socket.close();
  }

  #onMessage(m: Buffer): void {
    const b0 = m[0];
    if (b0 === undefined) return;
    if (b0 >= 20 && b0 <= 63) {
      this.#onDtls(m);
      return;
    }
    if (b0 < 128 || b0 > 191 || !this.inbound) {
      this.inbox.push(m);
      return;
    }
    if (isRtcp(m)) {
      this.received.rtcp++;
      return;
    }
    this.#onSrtp(m, this.inbound);
  }

  #onSrtp(m: Buffer, inbound: SrtpSession): void {
    let clear: Buffer;
    try {
      clear = inbound.unprotectRtp(m);
    } catch {
      this.received.decryptFailures++;
      return;
    }
    const r = this.received;
    r.packets++;
    r.bytes += clear.length;
    const ssrc = clear.readUInt32BE(8);
    const seq = clear.readUInt16BE(2);
    const last = r.lastSeq.get(ssrc);
    if (last !== undefined && seqDiff(seq, last) <= 0) r.notIncreasing++;
    r.lastSeq.set(ssrc, seq);
    this.onRtp?.(clear);
  }
}

export interface Joined {
  client: WebRtcClient;
  transport: SfuTransport;
}

/**
 * A participant on the SFU as the server makes one: an SfuTransport on `endpoint`/`router` negotiated from the
 * client's offer (publishing the fixture's audio section, mid 0, and subscribing mid 2 to `subscribeTo`), then ICE
 * and DTLS from the client's socket.
 */
export async function joinSfu(endpoint: MediaEndpoint, router: Router, certificate: DtlsCertificate, ownerId: string, roles: { publish?: boolean; subscribeTo?: string }): Promise<Joined> {
  const client = await WebRtcClient.create(endpoint.address, certificate);
  const transport = new SfuTransport({ id: `t-${ownerId}`, ownerId, endpoint, router });
  const publish = new Map(roles.publish ? [['0', { source: 'microphone' }]] : []);
  const subscribe = new Map(roles.subscribeTo !== undefined ? [['2', roles.subscribeTo]] : []);
  const { sdp } = transport.negotiate(client.offer(), publish, subscribe);
  await client.connect(sdp);
  // The server's side finishes as the client's Finished arrives: wait for its keys, as media needs them.
  await until(() => transport.peer?.dtlsState === 'connected', `DTLS of ${ownerId} on the server`);
  return { client, transport };
}

/** Polls `check` every millisecond or so (the server shares this event loop); throws after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}
