import { MediaDecodeError, SrtpError, type SrtpErrorCode } from '../errors.ts';
import type { PacketKind } from '../demux.ts';
import type { SrtpProfile } from '../srtp/profiles.ts';
import { SctpDataChannels, type DataChannelLimits } from '../datachannel/data-channels.ts';
import { DtlsServerTransport, type DtlsCertificate, type DtlsFingerprint, type DtlsSrtpKeys } from './dtls.ts';
import { TypedEmitter } from './events.ts';
import { addressKey, type IceAddress, type IceParameters } from './ice-lite.ts';

export type IceState = 'new' | 'checking' | 'connected' | 'closed';

export interface EndpointPeerEvents extends Record<string, unknown[]> {
  /** The first authenticated check with USE-CANDIDATE (RFC 8445 §7.3.1.5): the pair is selected. */
  iceConnected: [address: IceAddress];
  dtlsConnected: [profile: SrtpProfile];
  dtlsFailed: [error: Error];
  /** One decrypted RTP packet (the clear packet, header included). */
  rtp: [packet: Buffer, ssrc: number, payloadType: number];
  /** One decrypted compound RTCP packet. */
  rtcp: [packet: Buffer];
  closed: [];
}

export interface EndpointPeerStats {
  bindingRequests: number;
  nominations: number;
  dtlsDatagrams: number;
  dtlsDropped: number;
  dtlsErrors: number;
  rtpPacketsDecrypted: number;
  rtcpPacketsDecrypted: number;
  /** SRTP/SRTCP before the keys exist: the peer is ahead of its handshake, or not who it claims. */
  srtpBeforeKeys: number;
  srtpFailures: Partial<Record<SrtpErrorCode | 'MALFORMED', number>>;
  /** Per SSRC: decrypted packets and the payload type last seen. */
  ssrcs: Map<number, { packets: number; payloadType: number }>;
  unknownPacketKind: number;
  /**
   * Milliseconds from creation to the first authenticated check, to nomination, and to the end of the DTLS
   * handshake. Chrome starts DTLS on the first pair that works and may nominate after the handshake ended.
   */
  firstCheckMs?: number;
  iceConnectedMs?: number;
  dtlsConnectedMs?: number;
}

export interface EndpointPeerOptions {
  iceParameters: IceParameters;
  /** The client's ice-ufrag from its offer: checks naming another remote fragment are dropped. */
  remoteUsernameFragment?: string;
  remoteFingerprint?: DtlsFingerprint;
  certificate: DtlsCertificate;
  send: (datagram: Buffer, to: IceAddress) => void;
  onClose: (peer: EndpointPeer) => void;
  /** Limits of the peer's data channels (max channels, message size, outbound buffer). */
  dataChannelLimits?: Partial<DataChannelLimits>;
}

/** At most this many authenticated source addresses per peer: candidates beyond it cannot grow memory. */
export const MAX_ADDRESSES_PER_PEER = 8;

/**
 * One client's transport on the shared endpoint socket: the ICE-lite state (which of its addresses is selected),
 * its DTLS server, and the SRTP contexts once the handshake has produced keys. It never touches a socket.
 */
export class EndpointPeer {
  #iceParameters: IceParameters;
  #remoteUsernameFragment: string | undefined;
  readonly events = new TypedEmitter<EndpointPeerEvents>();
  readonly stats: EndpointPeerStats = {
    bindingRequests: 0,
    nominations: 0,
    dtlsDatagrams: 0,
    dtlsDropped: 0,
    dtlsErrors: 0,
    rtpPacketsDecrypted: 0,
    rtcpPacketsDecrypted: 0,
    srtpBeforeKeys: 0,
    srtpFailures: {},
    ssrcs: new Map(),
    unknownPacketKind: 0,
  };
  readonly #options: EndpointPeerOptions;
  readonly #createdAt = performance.now();
  readonly #addresses = new Map<string, IceAddress>();
  readonly #dtls: DtlsServerTransport;
  /** WebRTC data channels over this peer's DTLS association (SCTP starts with the browser's first packet). */
  readonly dataChannels: SctpDataChannels;
  #selected: IceAddress | undefined;
  #lastReceivedAt = performance.now();
  #iceState: IceState = 'new';
  #keys: DtlsSrtpKeys | undefined;

  constructor(options: EndpointPeerOptions) {
    this.#options = options;
    this.#iceParameters = options.iceParameters;
    this.#remoteUsernameFragment = options.remoteUsernameFragment;
    this.dataChannels = new SctpDataChannels({ send: (packet) => this.#dtls.sendApplicationData(packet), ...(options.dataChannelLimits ? { limits: options.dataChannelLimits } : {}) });
    this.#dtls = new DtlsServerTransport({
      certificate: options.certificate,
      remoteFingerprint: options.remoteFingerprint,
      send: (datagram) => {
        const to = this.#selected;
        if (to) options.send(datagram, to);
      },
      onConnected: (keys) => {
        this.#keys = keys;
        this.stats.dtlsConnectedMs = performance.now() - this.#createdAt;
        this.events.emit('dtlsConnected', keys.profile);
      },
      onFailed: (error) => this.events.emit('dtlsFailed', error),
      onError: () => {
        this.stats.dtlsErrors++;
      },
      onApplicationData: (data) => this.dataChannels.handlePacket(data),
    });
  }

  get iceParameters(): IceParameters {
    return this.#iceParameters;
  }

  get remoteUsernameFragment(): string | undefined {
    return this.#remoteUsernameFragment;
  }

  /**
   * An ICE restart (RFC 8445 §9): new credentials on both sides, the candidate addresses forgotten until checks
   * with the new ones arrive. DTLS and SRTP carry on (RFC 8842 §4: a restart does not renegotiate DTLS).
   * Only the endpoint calls this, so that its index by ice-ufrag stays right.
   */
  restartIce(local: IceParameters, remoteUsernameFragment: string): void {
    this.#iceParameters = local;
    this.#remoteUsernameFragment = remoteUsernameFragment;
    this.#addresses.clear();
    if (this.#iceState === 'connected') this.#iceState = 'checking';
  }

  /**
   * When this peer last sent us anything (a check, DTLS, SRTP). Browsers send consent checks every ~5 s
   * (RFC 7675 §5.1), so a long silence means the client is gone.
   */
  get lastReceivedAt(): number {
    return this.#lastReceivedAt;
  }

  get iceState(): IceState {
    return this.#iceState;
  }

  get dtlsState(): DtlsServerTransport['state'] {
    return this.#dtls.state;
  }

  get selectedAddress(): IceAddress | undefined {
    return this.#selected;
  }

  /** The SRTP context for what we send to this peer, once DTLS is connected. */
  get outboundSrtp(): DtlsSrtpKeys['outbound'] | undefined {
    return this.#keys?.outbound;
  }

  get closed(): boolean {
    return this.#iceState === 'closed';
  }

  /**
   * An authenticated Binding request from `address` (the endpoint already answered it). Returns false when the
   * address cannot be added (too many): the endpoint must not route it here.
   */
  handleBinding(address: IceAddress, nominated: boolean): boolean {
    if (this.closed) return false;
    this.#lastReceivedAt = performance.now();
    const key = addressKey(address);
    if (!this.#addresses.has(key)) {
      if (this.#addresses.size >= MAX_ADDRESSES_PER_PEER) return false;
      this.#addresses.set(key, address);
    }
    this.stats.bindingRequests++;
    // A lite agent may use any validated pair before nomination; nomination fixes it (RFC 8445 §8.2 for lite).
    if (this.#iceState === 'new') {
      this.#iceState = 'checking';
      this.stats.firstCheckMs = performance.now() - this.#createdAt;
    }
    if (!nominated && this.#selected) return true;
    this.#selected = address;
    if (nominated) {
      this.stats.nominations++;
      if (this.#iceState !== 'connected') {
        this.#iceState = 'connected';
        this.stats.iceConnectedMs = performance.now() - this.#createdAt;
        this.events.emit('iceConnected', address);
      }
    }
    return true;
  }

  /**
   * Sends an already protected SRTP/SRTCP datagram to the selected address. False (and nothing sent) before ICE
   * selected one or after close.
   */
  send(datagram: Buffer): boolean {
    const to = this.#selected;
    if (!to || this.closed) return false;
    this.#options.send(datagram, to);
    return true;
  }

  /**
   * Drops the SRTP state (rollover counter, replay window) of an inbound SSRC the transport refuses or no longer
   * routes: it exists only because a packet authenticated, and a peer that sprays SSRCs must not grow it.
   */
  forgetInboundSsrc(ssrc: number): void {
    this.#keys?.inbound.deleteSsrc(ssrc);
  }

  /** Addresses the endpoint routes here (authenticated by a Binding request). */
  addresses(): IceAddress[] {
    return [...this.#addresses.values()];
  }

  /** A non-STUN datagram from one of this peer's addresses, already classified by RFC 7983. */
  handleDatagram(kind: PacketKind, datagram: Buffer): void {
    if (this.closed) return;
    this.#lastReceivedAt = performance.now();
    switch (kind) {
      case 'dtls':
        this.stats.dtlsDatagrams++;
        if (!this.#dtls.handleDatagram(datagram)) this.stats.dtlsDropped++;
        return;
      case 'rtp':
      case 'rtcp':
        this.#handleSrtp(kind, datagram);
        return;
      default:
        this.stats.unknownPacketKind++;
    }
  }

  close(): void {
    if (this.closed) return;
    this.#iceState = 'closed';
    this.dataChannels.close();
    this.#dtls.close();
    this.#keys = undefined;
    this.#addresses.clear();
    this.#options.onClose(this);
    this.events.emit('closed');
    this.events.removeAllListeners();
  }

  #handleSrtp(kind: 'rtp' | 'rtcp', datagram: Buffer): void {
    const keys = this.#keys;
    if (!keys) {
      this.stats.srtpBeforeKeys++;
      return;
    }
    try {
      if (kind === 'rtcp') {
        const clear = keys.inbound.unprotectRtcp(datagram);
        this.stats.rtcpPacketsDecrypted++;
        this.events.emit('rtcp', clear);
        return;
      }
      // The datagram is ours alone (a UDP receive, or an ICE-TCP frame copied out): decrypt it where it is.
      const clear = keys.inbound.unprotectRtpInPlace(datagram);
      const ssrc = clear.readUInt32BE(8);
      const payloadType = (clear[1] as number) & 0x7f;
      this.stats.rtpPacketsDecrypted++;
      const entry = this.stats.ssrcs.get(ssrc);
      if (entry) {
        entry.packets++;
        entry.payloadType = payloadType;
      } else if (this.stats.ssrcs.size < 64) {
        this.stats.ssrcs.set(ssrc, { packets: 1, payloadType });
      }
      this.events.emit('rtp', clear, ssrc, payloadType);
    } catch (err) {
      const code = err instanceof SrtpError ? err.code : err instanceof MediaDecodeError || err instanceof RangeError ? 'MALFORMED' : undefined;
      if (code === undefined) throw err;
      this.stats.srtpFailures[code] = (this.stats.srtpFailures[code] ?? 0) + 1;
    }
  }
}
