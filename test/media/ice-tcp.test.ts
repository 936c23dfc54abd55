import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Attr, decodeMessage, readXorAddress } from '@parley/stun';
import { MediaEndpoint, createDtlsCertificate, type DtlsCertificate } from '@parley/media';
import { TcpClient, connect, rtp, until } from './endpoint-client.ts';
import { memoryAfterGc } from './memory.ts';
import { bindingRequest } from './webrtc-client.ts';

/** ICE-TCP (RFC 6544, passive) on the media endpoint, against real TCP connections on loopback. */
describe('MediaEndpoint over ICE-TCP', () => {
  let endpoint: MediaEndpoint;
  let certificate: DtlsCertificate;
  const clients: TcpClient[] = [];
  const newClient = async (): Promise<TcpClient> => {
    const tcp = endpoint.tcpCandidate;
    if (!tcp) throw new Error('no TCP candidate');
    const c = await TcpClient.connect({ address: '127.0.0.1', port: tcp.port });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    endpoint = await MediaEndpoint.create({ listenAddress: '127.0.0.1', port: 0, tcpPort: 0, tcpLimits: { maxConnections: 6, unauthenticatedTimeoutMs: 400, maxQueuedBytes: 64 * 1024 } });
    certificate = await createDtlsCertificate();
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await endpoint.close();
  });

  it('announces a passive TCP candidate beside the UDP one', () => {
    expect(endpoint.tcpCandidate).toMatchObject({ address: '127.0.0.1', transport: 'tcp' });
    expect(endpoint.tcpCandidate?.port).toBeGreaterThan(0);
  });

  it('a check split over many writes is reassembled and answered, framed, with the connection as mapped address', async () => {
    const client = await newClient();
    const peer = endpoint.createPeer();
    const request = bindingRequest(`${peer.iceParameters.usernameFragment}:cli1`, peer.iceParameters.password);
    const framed = Buffer.concat([Buffer.from([request.length >> 8, request.length & 0xff]), request]);
    // Byte by byte, then an empty frame (RFC 4571 allows them) glued to nothing else.
    for (const byte of framed) {
      client.sendRaw(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    client.sendRaw(Buffer.from([0, 0]));
    const response = decodeMessage((await client.next()) as Buffer);
    expect(response.cls).toBe('success');
    expect(readXorAddress(response, Attr['XOR-MAPPED-ADDRESS'])?.port).toBe(client.localPort);
    expect(peer.iceState).toBe('connected');
    expect(peer.selectedAddress).toMatchObject({ transport: 'tcp', port: client.localPort });
    await until(() => (endpoint.tcpStats?.emptyFrames ?? 0) >= 1, 'the empty frame counted');
    peer.close();
  });

  it('DTLS and SRTP run over the connection both ways', async () => {
    const client = await newClient();
    const peer = endpoint.createPeer({ remoteUsernameFragment: 'cli1', remoteFingerprint: certificate.fingerprint });
    const received: number[] = [];
    peer.events.on('rtp', (_packet, ssrc) => received.push(ssrc));
    const { srtp, fromServer } = await connect(client, peer, certificate);
    await until(() => peer.dtlsState === 'connected', 'DTLS connected');
    // Two packets in one write: frames are cut by their length, not by TCP segments.
    client.sendRaw(Buffer.concat([srtp.protectRtp(rtp(1, 0xaaaa, 111)), srtp.protectRtp(rtp(2, 0xaaaa, 111))].map((p) => Buffer.concat([Buffer.from([p.length >> 8, p.length & 0xff]), p]))));
    await until(() => received.length === 2, 'two RTP packets decrypted');
    const outbound = peer.outboundSrtp;
    if (!outbound) throw new Error('no outbound SRTP');
    expect(peer.send(outbound.protectRtp(rtp(7, 0xbbbb, 96)))).toBe(true);
    const clear = fromServer.unprotectRtp((await client.next()) as Buffer);
    expect(clear.readUInt32BE(8)).toBe(0xbbbb);
    expect(clear.readUInt16BE(2)).toBe(7);
    peer.close();
  });

  it('a client that stops reading costs a bounded queue: packets beyond it are dropped, not buffered', async () => {
    const client = await newClient();
    const peer = endpoint.createPeer({ remoteUsernameFragment: 'cli1', remoteFingerprint: certificate.fingerprint });
    await connect(client, peer, certificate);
    await until(() => peer.dtlsState === 'connected', 'DTLS connected');
    client.socket.pause();
    const outbound = peer.outboundSrtp;
    if (!outbound) throw new Error('no outbound SRTP');
    const droppedBefore = endpoint.tcpStats?.framesDropped ?? 0;
    const before = memoryAfterGc();
    // 20,000 × 1.2 kB = 24 MB offered to a reader that takes none (after the kernel's socket buffers fill).
    for (let i = 0; i < 20; i++) {
      for (let seq = 0; seq < 1000; seq++) peer.send(outbound.protectRtp(rtp(i * 1000 + seq, 0xcccc, 96, 1200)));
      await new Promise((r) => setImmediate(r));
    }
    const grown = memoryAfterGc() - before;
    expect((endpoint.tcpStats?.framesDropped ?? 0) - droppedBefore).toBeGreaterThan(10_000);
    expect(grown).toBeLessThan(8 * 1024 * 1024);
    peer.close();
  });

  it('a connection that never authenticates is closed; connections beyond the limit are refused; garbage is counted', async () => {
    const before = { ...endpoint.stats, ...endpoint.tcpStats };
    const silent = await newClient();
    const closed = new Promise<void>((resolve) => silent.socket.once('close', () => resolve()));
    const junk = await newClient();
    junk.send(Buffer.from([0x16, 0xfe, 0xfd, 0, 0])); // DTLS from nobody
    junk.send(rtp(1, 0x1234, 96)); // RTP from nobody
    junk.send(Buffer.from('not stun at all, but starts like it')); // first byte 'n' (110): RFC 7983 unassigned
    await closed;
    expect((endpoint.tcpStats?.connectionsTimedOut ?? 0) - (before.connectionsTimedOut ?? 0)).toBeGreaterThanOrEqual(1);
    expect(endpoint.stats.unknownSource - before.unknownSource).toBe(3);
    expect(endpoint.stats.internalErrors).toBe(0);
    // Fill the table (6) with idle connections: the next one is refused at once.
    const idle = await Promise.all(Array.from({ length: 6 }, () => TcpClient.connect({ address: '127.0.0.1', port: endpoint.tcpCandidate?.port ?? 0 })));
    clients.push(...idle);
    const refused = tcpConnect({ host: '127.0.0.1', port: endpoint.tcpCandidate?.port ?? 0 });
    refused.on('error', () => undefined);
    await new Promise<void>((resolve) => refused.once('close', () => resolve()));
    expect((endpoint.tcpStats?.connectionsRefused ?? 0) - (before.connectionsRefused ?? 0)).toBeGreaterThanOrEqual(1);
    for (const c of idle) c.close();
  });
});
