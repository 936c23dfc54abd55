/**
 * A minimal WebRTC endpoint for load: one UDP socket, one host candidate, ICE checks (ice.ts), DTLS-SRTP (dtls.ts)
 * and the RFC 7983 demultiplexing of what arrives. No jitter buffer, no decoding: packets out, packets in.
 */
import { createSocket, type Socket } from 'node:dgram';
import { classifyPacket, type DtlsCertificate, type SrtpProfile, type SrtpSession } from '@parley/media';
import { createDtls, type BenchDtls } from './dtls.ts';
import { bindingRequest, createCredentials, createTieBreaker, handleStun, type IceCredentials } from './ice.ts';
import { buildSdp, type DtlsSetup, type LocalSection, type RemoteDescription } from './sdp.ts';

/** RFC 8445 §14.2 paces checks at Ta ≥ 5 ms; one candidate pair needs little: retry every 50 ms. */
const CHECK_INTERVAL_MS = 50;
/** RFC 7675 §5.1: consent is refreshed about every 5 s; keep the server's pair alive well inside its timeouts. */
const KEEPALIVE_MS = 2000;

export interface BenchPeerOptions {
  bindAddress: string;
  certificate: DtlsCertificate;
  profiles: readonly SrtpProfile[];
  /** A decrypted RTP packet and the time it arrived (hrtime ns, taken before decryption). */
  onRtp?: (packet: Buffer, arrivedNs: bigint) => void;
  onRtcp?: (packet: Buffer) => void;
}

export interface BenchPeerStats {
  rtpIn: number;
  rtcpIn: number;
  srtpFailures: number;
  rtpOut: number;
  sendErrors: number;
  /** DTLS datagrams each way: when a handshake stalls, who stopped talking. */
  dtlsIn: number;
  dtlsOut: number;
}

export class BenchPeer {
  readonly ice: IceCredentials = createCredentials();
  readonly stats: BenchPeerStats = { rtpIn: 0, rtcpIn: 0, srtpFailures: 0, rtpOut: 0, sendErrors: 0, dtlsIn: 0, dtlsOut: 0 };
  readonly #options: BenchPeerOptions;
  readonly #socket: Socket;
  readonly #tieBreaker = createTieBreaker();
  #remote: { address: string; port: number } | undefined;
  #remoteIce: IceCredentials | undefined;
  #controlling = true;
  #checkTimer: NodeJS.Timeout | undefined;
  #checkSucceeded = false;
  #checkedByRemote = false;
  #needRemoteCheck = false;
  #dtls: BenchDtls | undefined;
  #dtlsRole: 'client' | 'server' = 'client';
  #remoteFingerprint = '';
  #inbound: SrtpSession | undefined;
  #outbound: SrtpSession | undefined;
  #closed = false;
  /** First DTLS records each way (content type/epoch/handshake type), for a stalled handshake's error message. */
  readonly #dtlsTrace: string[] = [];
  readonly #connected: Promise<void>;
  #resolve: () => void = () => undefined;
  #reject: (e: Error) => void = () => undefined;

  constructor(options: BenchPeerOptions) {
    this.#options = options;
    this.#socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    this.#socket.on('message', (msg, rinfo) => this.#onDatagram(msg, rinfo));
    this.#socket.on('error', () => undefined);
    this.#connected = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#connected.catch(() => undefined);
  }

  async bind(): Promise<{ address: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.#socket.once('error', reject);
      this.#socket.bind(0, this.#options.bindAddress, () => resolve());
    });
    return this.candidate;
  }

  get candidate(): { address: string; port: number } {
    const a = this.#socket.address();
    return { address: a.address, port: a.port };
  }

  get connected(): boolean {
    return this.#outbound !== undefined;
  }

  /** Our SDP (offer or answer) for these sections; `setup` actpass when offering, active when answering. */
  describe(sections: readonly LocalSection[], setup: DtlsSetup, cname: string): string {
    return buildSdp({ iceUfrag: this.ice.ufrag, icePwd: this.ice.pwd, fingerprint: this.#options.certificate.fingerprint.value, setup, candidate: this.candidate, cname, sections });
  }

  /**
   * Starts ICE toward the remote's first candidate and DTLS once a pair works; resolves when SRTP keys exist.
   * `controlling`: we offered (RFC 8445 §6.1.1), or the remote is ICE-lite. `weAreOfferer` decides the DTLS role
   * together with the remote's a=setup (RFC 8842 §5).
   */
  connect(remote: RemoteDescription, controlling: boolean, timeoutMs: number): Promise<void> {
    const candidate = remote.candidates[0];
    if (!candidate) return Promise.reject(new Error('remote SDP has no IPv4 UDP host candidate'));
    this.#remote = { address: candidate.address, port: candidate.port };
    this.#remoteIce = { ufrag: remote.iceUfrag, pwd: remote.icePwd };
    this.#controlling = controlling || remote.iceLite;
    // A full remote agent must also see one of its own checks answered before it takes DTLS (libnice drops data
    // on a pair it has not validated).
    this.#needRemoteCheck = !remote.iceLite;
    this.#remoteFingerprint = remote.fingerprint;
    this.#dtlsRole = remote.setup === 'active' ? 'server' : 'client';
    this.#sendCheck();
    this.#checkTimer = setInterval(() => this.#sendCheck(), CHECK_INTERVAL_MS);
    const timer = setTimeout(() => this.#reject(new Error(`not connected after ${timeoutMs} ms (ICE ${this.#checkSucceeded ? 'ok' : 'pending'}, DTLS ${this.#dtls ? `${this.#dtlsRole} started, ${this.stats.dtlsOut} datagrams out, ${this.stats.dtlsIn} in: ${this.#dtlsTrace.join(' ')}` : 'not started'})`)), timeoutMs);
    return this.#connected.finally(() => clearTimeout(timer));
  }

  sendRtp(packet: Buffer): void {
    if (!this.#outbound || !this.#remote) return;
    this.#send(this.#outbound.protectRtp(packet));
    this.stats.rtpOut++;
  }

  sendRtcp(packet: Buffer): void {
    if (!this.#outbound || !this.#remote) return;
    this.#send(this.#outbound.protectRtcp(packet));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#checkTimer);
    this.#dtls?.close();
    this.#socket.close();
    this.#reject(new Error('closed'));
  }

  #send(datagram: Buffer): void {
    if (this.#closed || !this.#remote) return;
    this.#socket.send(datagram, this.#remote.port, this.#remote.address, (err) => {
      if (err) this.stats.sendErrors++;
    });
  }

  #sendCheck(): void {
    if (!this.#remoteIce || this.#closed) return;
    const { datagram } = bindingRequest({ local: this.ice, remote: this.#remoteIce, controlling: this.#controlling, tieBreaker: this.#tieBreaker, nominate: this.#controlling });
    this.#send(datagram);
    // Once connected, the same timer keeps consent alive at a slower pace.
    if (this.#outbound && this.#checkTimer) {
      clearInterval(this.#checkTimer);
      this.#checkTimer = setInterval(() => this.#sendCheck(), KEEPALIVE_MS);
      this.#checkTimer.unref();
    }
  }

  #onDatagram(msg: Buffer, rinfo: { address: string; port: number }): void {
    if (this.#closed) return;
    switch (classifyPacket(msg)) {
      case 'rtp': {
        if (!this.#inbound) return;
        const at = process.hrtime.bigint();
        let clear: Buffer;
        try {
          clear = this.#inbound.unprotectRtp(msg);
        } catch {
          this.stats.srtpFailures++;
          return;
        }
        this.stats.rtpIn++;
        this.#options.onRtp?.(clear, at);
        return;
      }
      case 'rtcp': {
        if (!this.#inbound) return;
        try {
          const clear = this.#inbound.unprotectRtcp(msg);
          this.stats.rtcpIn++;
          this.#options.onRtcp?.(clear);
        } catch {
          this.stats.srtpFailures++;
        }
        return;
      }
      case 'stun':
        return this.#onStun(msg, rinfo);
      case 'dtls':
        this.stats.dtlsIn++;
        this.#trace('<', msg);
        this.#dtls?.handleDatagram(msg);
        return;
      default:
        return;
    }
  }

  #onStun(msg: Buffer, rinfo: { address: string; port: number }): void {
    if (!this.#remoteIce) return;
    const verdict = handleStun(msg, rinfo, this.ice, this.#remoteIce);
    if (verdict.kind === 'request') {
      this.#socket.send(verdict.response, rinfo.port, rinfo.address);
      this.#checkedByRemote = true;
    } else if (verdict.kind === 'success') this.#checkSucceeded = true;
    else return;
    if (this.#checkSucceeded && (this.#checkedByRemote || !this.#needRemoteCheck)) this.#startDtls();
  }

  /** RFC 6347 §4.1: records of type(1) version(2) epoch(2) seq(6) length(2); handshake type follows in epoch 0. */
  #trace(dir: string, d: Buffer): void {
    if (this.#dtlsTrace.length >= 60) return;
    const parts: string[] = [];
    for (let at = 0; at + 13 <= d.length && parts.length < 8; at += 13 + d.readUInt16BE(at + 11)) {
      const type = d[at] as number;
      const epoch = d.readUInt16BE(at + 3);
      parts.push(type === 22 && epoch === 0 ? `hs${d[at + 13] as number}` : `${type}e${epoch}`);
    }
    this.#dtlsTrace.push(`${dir}${((performance.now() % 100_000) / 1000).toFixed(2)}:${parts.join(',')}`);
  }

  #startDtls(): void {
    if (this.#dtls) return;
    this.#dtls = createDtls({
      role: this.#dtlsRole,
      certificate: this.#options.certificate,
      remoteFingerprint: this.#remoteFingerprint,
      profiles: this.#options.profiles,
      send: (d) => {
        this.stats.dtlsOut++;
        this.#trace('>', d);
        this.#send(d);
      },
      onConnected: (keys) => {
        this.#inbound = keys.inbound;
        this.#outbound = keys.outbound;
        this.#resolve();
      },
      onFailed: (e) => this.#reject(e),
    });
  }
}
