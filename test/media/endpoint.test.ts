import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, readErrorCode } from '@parley/stun';
import { MediaEndpoint, createDtlsCertificate, type DtlsCertificate } from '@parley/media';
import { UdpClient as Client, connect, dtlsClient, rtp, until } from './endpoint-client.ts';
import { bindingRequest } from './webrtc-client.ts';

describe('MediaEndpoint on a real UDP socket', () => {
  let endpoint: MediaEndpoint;
  let clientCertificate: DtlsCertificate;
  const clients: Client[] = [];
  const newClient = async (): Promise<Client> => {
    const c = await new Client(endpoint.address).bind();
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    endpoint = await MediaEndpoint.create({ listenAddress: '127.0.0.1', port: 0 });
    clientCertificate = await createDtlsCertificate();
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await endpoint.close();
  });

  it('garbage, truncated packets and media from unknown sources are dropped and counted', async () => {
    const junk = await newClient();
    const before = { ...endpoint.stats };
    const good = bindingRequest('nobody:x', 'password-password-password');
    const datagrams = [
      Buffer.alloc(0),
      Buffer.from([0x00]),
      good.subarray(0, 19), // shorter than a STUN header
      good.subarray(0, good.length - 4), // attributes cut short
      Buffer.concat([good.subarray(0, 4), Buffer.alloc(4), good.subarray(8)]), // no magic cookie
      Buffer.from([0x16, 0xfe, 0xfd, 0, 0]), // DTLS record header, from nobody we know
      rtp(1, 0x1234, 96), // RTP from nobody we know
      Buffer.from([0xff, 0xff, 0xff]), // RFC 7983: unassigned first byte
    ];
    for (const d of datagrams) junk.send(d);
    await until(() => endpoint.stats.datagramsReceived - before.datagramsReceived >= datagrams.length, 'all datagrams');
    expect(endpoint.stats.stunMalformed - before.stunMalformed).toBe(4);
    expect(endpoint.stats.unknownSource - before.unknownSource).toBe(4);
    expect(endpoint.stats.internalErrors).toBe(0);
    expect(await junk.next(100)).toBeUndefined(); // nothing is answered
  });

  it('STUN with wrong credentials: 401 for our fragment with a bad password, silence for a fragment we never issued', async () => {
    const peer = endpoint.createPeer();
    const attacker = await newClient();
    const before = { ...endpoint.stats };
    attacker.send(bindingRequest(`${peer.iceParameters.usernameFragment}:evil`, 'guessed-password-guessed-pw'));
    const response = decodeMessage((await attacker.next()) as Buffer);
    expect(response.cls).toBe('error');
    expect(readErrorCode(response)?.code).toBe(401);
    attacker.send(bindingRequest('unknown1:evil', peer.iceParameters.password));
    await until(() => endpoint.stats.stunUnknownUsername > before.stunUnknownUsername, 'the unknown fragment to be counted');
    expect(await attacker.next(100)).toBeUndefined();
    expect(endpoint.stats.stunUnauthenticated - before.stunUnauthenticated).toBe(1);
    // The attacker's address was never authenticated: its media goes nowhere.
    attacker.send(rtp(1, 0x1234, 96));
    await until(() => endpoint.stats.unknownSource > before.unknownSource, 'unknown source');
    expect(peer.iceState).toBe('new');
    expect(peer.addresses()).toEqual([]);
    peer.close();
  });

  it('a legit peer completes ICE, DTLS (AES-CM) and SRTP, and keeps working amid forged, replayed and truncated packets', async () => {
    const client = await newClient();
    const peer = endpoint.createPeer({ remoteUsernameFragment: 'cli1', remoteFingerprint: clientCertificate.fingerprint });
    const { srtp } = await connect(client, peer, clientCertificate);
    await until(() => peer.dtlsState === 'connected', 'DTLS connected on the endpoint');
    expect(peer.iceState).toBe('connected');
    expect(peer.stats.iceConnectedMs).toBeDefined();

    const sent: Buffer[] = [];
    for (let seq = 1; seq <= 60; seq++) sent.push(srtp.protectRtp(rtp(seq, 0xaaaa, 111)));
    for (const p of sent) client.send(p);
    client.send(srtp.protectRtcp(Buffer.from([0x80, 201, 0, 1, 0, 0, 0xaa, 0xaa])));
    await until(() => peer.stats.rtpPacketsDecrypted === 60 && peer.stats.rtcpPacketsDecrypted === 1, '60 RTP + 1 RTCP decrypted');
    expect(peer.stats.ssrcs.get(0xaaaa)).toEqual({ packets: 60, payloadType: 111 });

    const forged = Buffer.from(srtp.protectRtp(rtp(61, 0xaaaa, 111)));
    forged.writeUInt8(forged.readUInt8(forged.length - 1) ^ 1, forged.length - 1);
    client.send(forged); // AUTH_FAILED
    client.send(sent[59] as Buffer); // REPLAYED
    client.send((sent[0] as Buffer).subarray(0, 16)); // TRUNCATED
    client.send(Buffer.from([0x80, 111, 0, 1])); // RTP header cut short
    client.send(Buffer.from([0x16, 0xfe, 0xfd, 0xde, 0xad, 0xbe, 0xef])); // DTLS garbage on an authenticated address
    client.send(Buffer.from([0x17, 0xfe, 0xfd, ...Buffer.alloc(40, 9)])); // forged application data record
    client.send(bindingRequest(`${peer.iceParameters.usernameFragment}:other`, peer.iceParameters.password)); // wrong remote fragment
    await until(() => Object.values(peer.stats.srtpFailures).reduce((a, b) => a + (b ?? 0), 0) >= 4 && peer.stats.dtlsDatagrams >= 2, 'failures counted');
    expect(peer.stats.srtpFailures).toMatchObject({ AUTH_FAILED: 1, REPLAYED: 1, TRUNCATED: 2 });
    expect(peer.stats.dtlsDropped).toBeGreaterThanOrEqual(1); // werift throws on the truncated record; we drop it
    expect(peer.dtlsState).toBe('connected');

    for (let seq = 62; seq <= 71; seq++) client.send(srtp.protectRtp(rtp(seq, 0xbbbb, 96)));
    await until(() => (peer.stats.ssrcs.get(0xbbbb)?.packets ?? 0) === 10, 'a second SSRC decrypted after the junk');
    expect(peer.stats.ssrcs.get(0xbbbb)?.payloadType).toBe(96);
    expect(endpoint.stats.internalErrors).toBe(0);

    // Closing forgets the peer's addresses: its next packets come from an unknown source.
    const unknownBefore = endpoint.stats.unknownSource;
    peer.close();
    client.send(srtp.protectRtp(rtp(72, 0xaaaa, 111)));
    await until(() => endpoint.stats.unknownSource > unknownBefore, 'closed peer traffic to be dropped');
  });

  it('a DTLS certificate that does not match the SDP fingerprint fails the transport, with no SRTP keys', async () => {
    const client = await newClient();
    const impostor = await createDtlsCertificate();
    const peer = endpoint.createPeer({ remoteFingerprint: clientCertificate.fingerprint });
    const failed = new Promise<Error>((resolve) => peer.events.on('dtlsFailed', resolve));
    client.send(bindingRequest(`${peer.iceParameters.usernameFragment}:cli2`, peer.iceParameters.password));
    await client.next();
    const dtls = dtlsClient(client, impostor);
    dtls.connect().catch(() => undefined);
    expect((await failed).message).toMatch(/does not match the SDP fingerprint/);
    expect(peer.dtlsState).toBe('failed');
    expect(peer.outboundSrtp).toBeUndefined();
    peer.close();
  });

  it('createPeer refuses a ufrag in use and anything after close', async () => {
    const other = await MediaEndpoint.create({ listenAddress: '127.0.0.1', port: 0, certificate: endpoint.certificate });
    const peer = other.createPeer({ iceParameters: { usernameFragment: 'same', password: 'p'.repeat(22) } });
    expect(() => other.createPeer({ iceParameters: { usernameFragment: 'same', password: 'q'.repeat(22) } })).toThrow(TypeError);
    expect(other.fingerprint).toEqual(endpoint.fingerprint);
    await other.close();
    expect(peer.closed).toBe(true);
    expect(() => other.createPeer()).toThrow(/closed/);
  });
});
