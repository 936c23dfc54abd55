import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import {
  Attr, StreamFramer, StunMessageBuilder, StunMethod, decodeChannelData, decodeMessage, encodeChannelData, getAttribute,
  isChannelData, longTermKey, readErrorCode, readText, readXorAddress, verifyIntegrity, type DecodedStunMessage,
  type TransportAddress,
} from '@parley/stun';

export interface Received {
  peer?: TransportAddress;
  channel?: number;
  data: Buffer;
}

/** A small TURN client built on @parley/stun, for tests (one allocation, UDP or TCP). */
export class TurnTestClient {
  readonly #send: (b: Buffer) => void;
  readonly #close: () => void;
  readonly #waiting = new Map<string, (m: DecodedStunMessage) => void>();
  readonly received: Received[] = [];
  readonly #dataWaiters: Array<() => void> = [];
  realm = '';
  nonce = '';
  key: Buffer | undefined;
  username = '';

  private constructor(send: (b: Buffer) => void, close: () => void, readonly tcp: boolean) {
    this.#send = send;
    this.#close = close;
  }

  static async udp(server: { address: string; port: number }): Promise<TurnTestClient> {
    const socket: UdpSocket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    const c = new TurnTestClient((b) => socket.send(b, server.port, server.address), () => socket.close(), false);
    socket.on('message', (m) => c.#onPacket(m));
    return c;
  }

  static async tcp(server: { address: string; port: number }): Promise<TurnTestClient> {
    const socket: Socket = connect(server.port, server.address);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    socket.on('error', () => {});
    const c = new TurnTestClient((b) => socket.write(b), () => socket.destroy(), true);
    const framer = new StreamFramer();
    socket.on('data', (chunk: Buffer) => {
      for (const f of framer.push(chunk)) c.#onPacket(f);
    });
    return c;
  }

  #onPacket(buf: Buffer): void {
    if (isChannelData(buf)) {
      const { channel, data } = decodeChannelData(buf);
      this.#push({ channel, data: Buffer.from(data) });
      return;
    }
    const msg = decodeMessage(buf);
    if (msg.cls === 'indication' && msg.method === StunMethod.Data) {
      this.#push({ peer: readXorAddress(msg, Attr['XOR-PEER-ADDRESS']), data: Buffer.from(getAttribute(msg, Attr.DATA) ?? []) });
      return;
    }
    this.#waiting.get(msg.transactionId.toString('hex'))?.(msg);
  }

  #push(r: Received): void {
    this.received.push(r);
    for (const w of this.#dataWaiters.splice(0)) w();
  }

  /** Waits until `count` payloads arrived (or the timeout passes). */
  async waitForData(count: number, timeoutMs = 2000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count && Date.now() < deadline) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.#dataWaiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.received;
  }

  raw(buf: Buffer): void {
    this.#send(buf);
  }

  /** Sends a request and waits for its response (rejects after `timeoutMs`). */
  request(b: StunMessageBuilder, options: { sign?: boolean; timeoutMs?: number } = {}): Promise<DecodedStunMessage> {
    const id = b.message.transactionId.toString('hex');
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`no response to method ${b.message.method}`));
      }, options.timeoutMs ?? 2000);
      this.#waiting.set(id, (m) => {
        clearTimeout(t);
        this.#waiting.delete(id);
        resolve(m);
      });
      this.#send(options.sign && this.key ? b.encode({ integrity: this.key, fingerprint: true }) : b.encode({ fingerprint: true }));
    });
  }

  /** Sends a signed request; on 438 Stale Nonce takes the new nonce and retries once. */
  async signed(method: number, build: (b: StunMessageBuilder) => void = () => {}): Promise<DecodedStunMessage> {
    for (let attempt = 0; ; attempt++) {
      const b = new StunMessageBuilder(method, 'request').text(Attr.USERNAME, this.username).text(Attr.REALM, this.realm).text(Attr.NONCE, this.nonce);
      build(b);
      const res = await this.request(b, { sign: true });
      if (readErrorCode(res)?.code === 438 && attempt === 0) {
        this.nonce = readText(res, Attr.NONCE) ?? '';
        continue;
      }
      return res;
    }
  }

  /** The 401 → REALM/NONCE → signed Allocate exchange (RFC 8656 §7.1). */
  async allocate(username: string, password: string, build: (b: StunMessageBuilder) => void = () => {}): Promise<DecodedStunMessage> {
    const first = await this.request(new StunMessageBuilder(StunMethod.Allocate, 'request').add(Attr['REQUESTED-TRANSPORT'], Buffer.from([17, 0, 0, 0])));
    if (readErrorCode(first)?.code !== 401) return first;
    this.realm = readText(first, Attr.REALM) ?? '';
    this.nonce = readText(first, Attr.NONCE) ?? '';
    this.username = username;
    this.key = longTermKey(username, this.realm, password);
    return this.signed(StunMethod.Allocate, (b) => {
      b.add(Attr['REQUESTED-TRANSPORT'], Buffer.from([17, 0, 0, 0]));
      build(b);
    });
  }

  verify(msg: DecodedStunMessage): boolean {
    return this.key !== undefined && verifyIntegrity(msg, this.key);
  }

  createPermission(...peers: Array<{ address: string; port: number }>): Promise<DecodedStunMessage> {
    return this.signed(StunMethod.CreatePermission, (b) => {
      for (const p of peers) b.xorAddress(Attr['XOR-PEER-ADDRESS'], p);
    });
  }

  channelBind(channel: number, peer: { address: string; port: number }): Promise<DecodedStunMessage> {
    return this.signed(StunMethod.ChannelBind, (b) => b.add(Attr['CHANNEL-NUMBER'], Buffer.from([channel >> 8, channel & 0xff, 0, 0])).xorAddress(Attr['XOR-PEER-ADDRESS'], peer));
  }

  refresh(lifetimeS?: number): Promise<DecodedStunMessage> {
    return this.signed(StunMethod.Refresh, (b) => {
      if (lifetimeS !== undefined) b.uint32(Attr.LIFETIME, lifetimeS);
    });
  }

  sendIndication(peer: { address: string; port: number }, data: Buffer): void {
    this.#send(new StunMessageBuilder(StunMethod.Send, 'indication').xorAddress(Attr['XOR-PEER-ADDRESS'], peer).add(Attr.DATA, data).encode());
  }

  sendChannel(channel: number, data: Buffer): void {
    this.#send(encodeChannelData(channel, data, { pad: this.tcp }));
  }

  close(): void {
    this.#close();
  }
}

export const errorCode = (m: DecodedStunMessage): number | undefined => readErrorCode(m)?.code;
export const relayedOf = (m: DecodedStunMessage): TransportAddress | undefined => readXorAddress(m, Attr['XOR-RELAYED-ADDRESS']);
