import { describe, expect, it } from 'vitest';
import { createDtlsCertificate, serializeRtp } from '@parley/media';
import { createDtls, type SrtpPair } from './dtls.ts';

/** Client and server wired back to back in memory (datagrams delivered on the next tick, like a socket). */
async function handshake(clientFingerprint?: string): Promise<{ client: SrtpPair; server: SrtpPair } | Error> {
  const [cc, sc] = await Promise.all([createDtlsCertificate(), createDtlsCertificate()]);
  return new Promise((resolve) => {
    const keys: { client?: SrtpPair; server?: SrtpPair } = {};
    const done = () => keys.client && keys.server && resolve({ client: keys.client, server: keys.server });
    const timer = setTimeout(() => resolve(new Error('timeout')), 10_000);
    const server = createDtls({
      role: 'server', certificate: sc, remoteFingerprint: cc.fingerprint.value, profiles: ['AES_CM_128_HMAC_SHA1_80'],
      send: (d) => setImmediate(() => client.handleDatagram(d)),
      onConnected: (k) => ((keys.server = k), done()),
      onFailed: (e) => (clearTimeout(timer), resolve(e)),
    });
    const client = createDtls({
      role: 'client', certificate: cc, remoteFingerprint: clientFingerprint ?? sc.fingerprint.value, profiles: ['AES_CM_128_HMAC_SHA1_80'],
      send: (d) => setImmediate(() => server.handleDatagram(d)),
      onConnected: (k) => ((keys.client = k), done()),
      onFailed: (e) => (clearTimeout(timer), resolve(e)),
    });
  });
}

describe('createDtls', () => {
  it('client and server agree on SRTP keys: what one protects, the other unprotects', async () => {
    const r = await handshake();
    if (r instanceof Error) throw r;
    expect(r.client.profile).toBe('AES_CM_128_HMAC_SHA1_80');
    const rtp = serializeRtp({ marker: false, payloadType: 96, sequenceNumber: 7, timestamp: 1, ssrc: 5, csrcs: [], extensions: new Map(), paddingLength: 0, payload: Buffer.from('hello') });
    const there = r.client.outbound.protectRtp(rtp);
    expect(there.equals(rtp)).toBe(false);
    expect(r.server.inbound.unprotectRtp(there).equals(rtp)).toBe(true);
    expect(r.client.inbound.unprotectRtp(r.server.outbound.protectRtp(rtp)).equals(rtp)).toBe(true);
  });

  it('fails when the server certificate does not match the SDP fingerprint', async () => {
    const r = await handshake('00:'.repeat(31) + '00');
    expect(r).toBeInstanceOf(Error);
    expect((r as Error).message).toMatch(/fingerprint|certificate/);
  });
});

/** RFC 6347 §4.1: a datagram may hold several records (type, version, epoch, sequence, length, body). */
function records(datagram: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 13 <= datagram.length; at += 13 + datagram.readUInt16BE(at + 11)) out.push(datagram.subarray(at, at + 13 + datagram.readUInt16BE(at + 11)));
  return out;
}

describe("Parley's DTLS server (werift) and reordering", () => {
  // Known issue, reported to the SFU owner: when the client's encrypted Finished (epoch 1) reaches the server before
  // the rest of flight 5, the server never completes, even though the client retransmits the whole flight in order
  // (RFC 6347 §4.2.4 expects retransmission to recover). Browsers pack flight 5 into one datagram, so they rarely
  // hit it; werift's own client sends one datagram per record. `it.fails` flips to a failure once it is fixed.
  it.fails('completes when the Finished record overtakes the rest of flight 5', async () => {
    const [cc, sc] = await Promise.all([createDtlsCertificate(), createDtlsCertificate()]);
    const outcome = await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('stalled'), 4000);
      let datagrams = 0;
      const server = createDtls({
        role: 'server', certificate: sc, remoteFingerprint: cc.fingerprint.value, profiles: ['AES_CM_128_HMAC_SHA1_80'],
        send: (d) => setImmediate(() => client.handleDatagram(d)),
        onConnected: () => (clearTimeout(timer), resolve('connected')),
        onFailed: (e) => resolve(`failed: ${e.message}`),
      });
      const client = createDtls({
        role: 'client', certificate: cc, remoteFingerprint: sc.fingerprint.value, profiles: ['AES_CM_128_HMAC_SHA1_80'],
        send: (d) => {
          // The third datagram is flight 5 (Certificate … Finished): deliver its last record first, the rest 20 ms later.
          const parts = datagrams++ === 2 ? records(d) : [d];
          const last = parts.pop() as Buffer;
          setImmediate(() => server.handleDatagram(last));
          for (const p of parts) setTimeout(() => server.handleDatagram(p), 20);
        },
        onConnected: () => undefined,
        onFailed: () => undefined,
      });
    });
    expect(outcome).toBe('connected');
  });
});
