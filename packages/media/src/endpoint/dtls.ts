import { X509Certificate, createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
// werift-dtls's package "main" points at a file it does not ship; its DTLS entry point is this one.
import { CipherContext, DtlsServer } from 'werift-dtls/lib/dtls/src/index.js';
import { SRTP_PROFILES, splitDtlsSrtpKeyingMaterial, srtpProfileFromDtlsId, type SrtpProfile } from '../srtp/profiles.ts';
import { SrtpSession } from '../srtp/session.ts';

/** RFC 8122 §5: the certificate fingerprint as written in `a=fingerprint:sha-256 AB:CD:…`. */
export interface DtlsFingerprint {
  algorithm: 'sha-256';
  value: string;
}

export interface DtlsCertificate {
  certPem: string;
  keyPem: string;
  fingerprint: DtlsFingerprint;
}

/** werift's SignatureHash for ECDSA with SHA-256 (TLS 1.2: hash 4, signature 3) on P-256 (named curve 23). */
const ECDSA_SHA256 = { hash: 4, signature: 3 } as const;
const SECP256R1 = 23;

/** A self-signed ECDSA P-256 certificate, as browsers make for RTCPeerConnection (RFC 8827 §6.5). */
export async function createDtlsCertificate(): Promise<DtlsCertificate> {
  const { certPem, keyPem } = await CipherContext.createSelfSignedCertificateWithKey(ECDSA_SHA256, SECP256R1);
  return { certPem, keyPem, fingerprint: { algorithm: 'sha-256', value: new X509Certificate(certPem).fingerprint256 } };
}

/** SHA-256 fingerprint of a DER certificate, in SDP form (upper-case hex pairs joined by colons). */
export function fingerprintOfDer(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)?.join(':') ?? '';
}

/** The werift Transport interface, restated: werift calls `send`, we call `onData` for each inbound record. */
interface WeriftTransport {
  type: string;
  address: AddressInfo;
  closed: boolean;
  onData: (data: Buffer, addr: readonly [string, number]) => void;
  send: (data: Buffer, addr?: readonly [string, number]) => Promise<void>;
  close: () => Promise<void>;
}

export interface DtlsSrtpKeys {
  profile: SrtpProfile;
  /** Unprotects what the DTLS client (the browser) sends: its write key (RFC 5764 §4.2). */
  inbound: SrtpSession;
  /** Protects what we send, with the server write key. */
  outbound: SrtpSession;
}

export interface DtlsServerTransportOptions {
  certificate: DtlsCertificate;
  /** The fingerprint the remote announced in its SDP; the handshake fails unless its certificate matches (RFC 8842 §5). */
  remoteFingerprint?: DtlsFingerprint;
  /** Sends one datagram toward the peer's selected address: the endpoint owns the socket, werift never sees it. */
  send: (datagram: Buffer) => void;
  onConnected: (keys: DtlsSrtpKeys) => void;
  /** Fatal: the certificate does not match the SDP, or no SRTP profile was agreed. */
  onFailed: (error: Error) => void;
  /** Not fatal: a handshake message werift could not process. */
  onError: (error: Error) => void;
  /** One decrypted application-data record (content type 23): an SCTP packet for the data channels (RFC 8261). */
  onApplicationData?: (data: Buffer) => void;
}

/**
 * Profiles we accept in use_srtp, in preference order (the DTLS server picks); werift supports these two (RFC 7714
 * §14.2, RFC 5764 §4.1.2). AES-CM first: with Node's crypto it is ~10 % cheaper per RTP packet and ~40 % per RTCP
 * packet than GCM, whose IV can only be set by building a cipher per packet (bench/media/srtp.ts), and it is the
 * profile every WebRTC endpoint must implement (RFC 8827 §6.5).
 */
const OFFERED_PROFILES: SrtpProfile[] = ['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM'];

/**
 * DTLS server role (we answer with a=setup:passive) over werift-dtls, fed datagram by datagram through an
 * adapter instead of a socket of its own: werift's RTCDtlsTransport opens one socket per peer and sleeps 100 ms
 * before the handshake; `DtlsServer` with a custom transport does neither.
 */
export class DtlsServerTransport {
  readonly #server: DtlsServer;
  readonly #transport: WeriftTransport;
  readonly #options: DtlsServerTransportOptions;
  #state: 'new' | 'connected' | 'failed' | 'closed' = 'new';

  constructor(options: DtlsServerTransportOptions) {
    this.#options = options;
    this.#transport = {
      type: 'udp',
      address: { address: '0.0.0.0', family: 'IPv4', port: 0 },
      closed: false,
      onData: () => undefined,
      send: async (data) => {
        if (this.#state !== 'closed') options.send(data);
      },
      close: async () => {
        this.#transport.closed = true;
      },
    };
    this.#server = new DtlsServer({
      transport: this.#transport,
      cert: options.certificate.certPem,
      key: options.certificate.keyPem,
      signatureHash: ECDSA_SHA256,
      // The browser's certificate is how we bind DTLS to its SDP fingerprint (RFC 8827 §6.5).
      certificateRequest: true,
      extendedMasterSecret: true,
      srtpProfiles: OFFERED_PROFILES.map((p) => SRTP_PROFILES[p].dtlsId as 1 | 7),
    });
    this.#server.onConnect.subscribe(() => this.#connected());
    // werift reports a bad handshake message here and keeps going: the peer may retransmit a good one.
    this.#server.onError.subscribe((error: unknown) => options.onError(error instanceof Error ? error : new Error(String(error))));
    this.#server.onData.subscribe((data: Buffer) => {
      if (this.#state === 'connected') options.onApplicationData?.(data);
    });
  }

  get state(): 'new' | 'connected' | 'failed' | 'closed' {
    return this.#state;
  }

  /**
   * One DTLS datagram from the peer. werift parses the record header outside its own try/catch and throws
   * synchronously on a truncated record: that is a drop, not a crash.
   */
  handleDatagram(datagram: Buffer): boolean {
    if (this.#state === 'closed' || this.#state === 'failed') return false;
    try {
      this.#transport.onData(datagram, ['0.0.0.0', 0]);
      return true;
    } catch {
      return false;
    }
  }

  /** Sends one application-data record (an SCTP packet). False before the handshake ended or after close. */
  sendApplicationData(data: Buffer): boolean {
    if (this.#state !== 'connected') return false;
    // werift encrypts and hands the record to our transport synchronously; its promise only reports that.
    this.#server.send(data).catch(() => this.#options.onError(new Error('DTLS application data could not be sent')));
    return true;
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#transport.closed = true;
  }

  #connected(): void {
    if (this.#state !== 'new') return;
    try {
      const remoteCert = this.#server.remoteCertificate;
      const expected = this.#options.remoteFingerprint;
      if (expected) {
        const actual = remoteCert ? fingerprintOfDer(remoteCert) : '';
        if (actual !== expected.value.toUpperCase()) throw new Error(`DTLS peer certificate ${actual || '(none)'} does not match the SDP fingerprint ${expected.value}`);
      }
      const dtlsId = this.#server.srtp.srtpProfile;
      const profile = dtlsId === undefined ? undefined : srtpProfileFromDtlsId(dtlsId);
      if (!profile) throw new Error('DTLS handshake negotiated no SRTP protection profile (use_srtp, RFC 5764 §4.1.1)');
      const { keyLength, saltLength } = SRTP_PROFILES[profile];
      // RFC 5764 §4.2: 2 × (key + salt) bytes of the exporter, label "EXTRACTOR-dtls_srtp", no context.
      const material = this.#server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 2 * (keyLength + saltLength));
      const { client, server } = splitDtlsSrtpKeyingMaterial(profile, material);
      const keys: DtlsSrtpKeys = {
        profile,
        inbound: new SrtpSession({ profile, masterKey: client.masterKey, masterSalt: client.masterSalt }),
        outbound: new SrtpSession({ profile, masterKey: server.masterKey, masterSalt: server.masterSalt }),
      };
      this.#state = 'connected';
      this.#options.onConnected(keys);
    } catch (err) {
      this.#fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #fail(error: Error): void {
    if (this.#state === 'closed' || this.#state === 'failed') return;
    this.#state = 'failed';
    this.#options.onFailed(error);
  }
}
