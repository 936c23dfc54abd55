/**
 * DTLS-SRTP for the bench endpoint (RFC 5763, RFC 5764). As DTLS client (the server answered a=setup:passive) over
 * werift-dtls's `DtlsClient` fed through an in-memory transport, like Parley's own server side does; as DTLS server
 * (the server answered a=setup:active) with Parley's `DtlsServerTransport`. Either way the result is the pair of
 * SrtpSessions: `outbound` protects what we send, `inbound` unprotects what we receive.
 */
import type { AddressInfo } from 'node:net';
// werift-dtls's package "main" points at a file it does not ship; its DTLS entry point is this one.
import { DtlsClient } from 'werift-dtls/lib/dtls/src/index.js';
import {
  DtlsServerTransport, SRTP_PROFILES, SrtpSession, fingerprintOfDer, splitDtlsSrtpKeyingMaterial, srtpProfileFromDtlsId,
  type DtlsCertificate, type SrtpProfile,
} from '@parley/media';

export interface SrtpPair {
  profile: SrtpProfile;
  inbound: SrtpSession;
  outbound: SrtpSession;
}

export interface BenchDtlsOptions {
  role: 'client' | 'server';
  certificate: DtlsCertificate;
  /** The remote's a=fingerprint (sha-256); the handshake fails unless its certificate matches. */
  remoteFingerprint: string;
  /** Profiles offered in use_srtp, preferred first. */
  profiles: readonly SrtpProfile[];
  send: (datagram: Buffer) => void;
  onConnected: (keys: SrtpPair) => void;
  onFailed: (error: Error) => void;
}

export interface BenchDtls {
  handleDatagram(datagram: Buffer): void;
  close(): void;
}

/** werift's SignatureHash for ECDSA with SHA-256 (TLS 1.2: hash 4, signature 3). */
const ECDSA_SHA256 = { hash: 4, signature: 3 } as const;

export function createDtls(o: BenchDtlsOptions): BenchDtls {
  return o.role === 'client' ? dtlsClient(o) : dtlsServer(o);
}

function dtlsServer(o: BenchDtlsOptions): BenchDtls {
  const server = new DtlsServerTransport({
    certificate: o.certificate,
    remoteFingerprint: { algorithm: 'sha-256', value: o.remoteFingerprint },
    send: o.send,
    // Parley's server transport names directions from its own side: inbound is what the DTLS client sends.
    onConnected: (keys) => o.onConnected({ profile: keys.profile, inbound: keys.inbound, outbound: keys.outbound }),
    onFailed: o.onFailed,
    onError: () => undefined,
  });
  return { handleDatagram: (d) => void server.handleDatagram(d), close: () => server.close() };
}

/** Records of one flight share datagrams up to this size (a safe IPv4 path MTU for UDP payloads). */
const DATAGRAM_BUDGET = 1200;

/**
 * werift writes every record of a flight as its own datagram; browsers (BoringSSL) pack a flight into as few
 * datagrams as fit (RFC 6347 §4.1.1 allows several records per datagram). Records written in the same turn of the
 * event loop are packed here, so the server sees a flight the way a browser sends it.
 */
function packer(send: (datagram: Buffer) => void): (record: Buffer) => void {
  let queue: Buffer[] = [];
  const flush = (): void => {
    let batch: Buffer[] = [];
    let size = 0;
    for (const r of queue) {
      if (size > 0 && size + r.length > DATAGRAM_BUDGET) {
        send(Buffer.concat(batch));
        batch = [];
        size = 0;
      }
      batch.push(r);
      size += r.length;
    }
    if (batch.length) send(Buffer.concat(batch));
    queue = [];
  };
  return (record) => {
    if (queue.length === 0) setImmediate(flush);
    queue.push(record);
  };
}

function dtlsClient(o: BenchDtlsOptions): BenchDtls {
  let closed = false;
  let done = false;
  const pack = packer((d) => {
    if (!closed) o.send(d);
  });
  const transport = {
    type: 'udp',
    address: { address: '0.0.0.0', family: 'IPv4', port: 0 } as AddressInfo,
    closed: false,
    onData: (_data: Buffer, _addr: readonly [string, number]): void => undefined,
    send: async (data: Buffer): Promise<void> => {
      if (!closed) pack(Buffer.from(data));
    },
    close: async (): Promise<void> => {
      transport.closed = true;
    },
  };
  const client = new DtlsClient({
    transport,
    cert: o.certificate.certPem,
    key: o.certificate.keyPem,
    signatureHash: ECDSA_SHA256,
    // The server asks for our certificate (it binds DTLS to our SDP fingerprint, RFC 8827 §6.5).
    certificateRequest: true,
    extendedMasterSecret: true,
    srtpProfiles: o.profiles.map((p) => SRTP_PROFILES[p].dtlsId as 1 | 7),
  });
  const fail = (error: Error): void => {
    if (done) return;
    done = true;
    o.onFailed(error);
  };
  client.onConnect.subscribe(() => {
    if (done) return;
    try {
      const cert = client.remoteCertificate;
      const actual = cert ? fingerprintOfDer(cert) : '';
      if (actual !== o.remoteFingerprint.toUpperCase()) throw new Error(`DTLS server certificate ${actual || '(none)'} does not match the SDP fingerprint`);
      const id = client.srtp.srtpProfile;
      const profile = id === undefined ? undefined : srtpProfileFromDtlsId(id);
      if (!profile) throw new Error('DTLS handshake negotiated no SRTP profile');
      const { keyLength, saltLength } = SRTP_PROFILES[profile];
      // RFC 5764 §4.2: client key | server key | client salt | server salt.
      const { client: mine, server: theirs } = splitDtlsSrtpKeyingMaterial(profile, client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 2 * (keyLength + saltLength)));
      done = true;
      o.onConnected({
        profile,
        outbound: new SrtpSession({ profile, masterKey: mine.masterKey, masterSalt: mine.masterSalt }),
        inbound: new SrtpSession({ profile, masterKey: theirs.masterKey, masterSalt: theirs.masterSalt, replayWindowSize: 1024 }),
      });
    } catch (err) {
      fail(err instanceof Error ? err : new Error(String(err)));
    }
  });
  client.onError.subscribe((error: unknown) => fail(error instanceof Error ? error : new Error(String(error))));
  void client.connect().catch((err: unknown) => fail(err instanceof Error ? err : new Error(String(err))));
  return {
    handleDatagram: (d) => {
      if (closed) return;
      try {
        transport.onData(d, ['0.0.0.0', 0]);
      } catch {
        // werift throws synchronously on a truncated record: a drop.
      }
    },
    close: () => {
      closed = true;
      transport.closed = true;
    },
  };
}
