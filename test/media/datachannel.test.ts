import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaEndpoint, Ppid, createDtlsCertificate, type DataChannel, type DtlsCertificate, type EndpointPeer } from '@parley/media';
import { UdpClient, connect, until } from './endpoint-client.ts';
import { DataChannelClient } from './datachannel-client.ts';

/**
 * WebRTC data channels terminated at the SFU endpoint (RFC 8831/8832 over the peer's DTLS, RFC 8261): a Node client
 * with werift's SCTP and hand-written DCEP plays the browser on a real UDP socket on loopback.
 */
describe('data channels on the media endpoint', () => {
  let endpoint: MediaEndpoint;
  let certificate: DtlsCertificate;
  const sockets: UdpClient[] = [];

  beforeAll(async () => {
    endpoint = await MediaEndpoint.create({ listenAddress: '127.0.0.1', port: 0, dataChannelLimits: { maxChannels: 4, maxBufferedBytes: 48 * 1024 } });
    certificate = await createDtlsCertificate();
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await endpoint.close();
  });

  /** A peer, its client connected through ICE and DTLS, and the SCTP association up. */
  async function connected(): Promise<{ peer: EndpointPeer; client: DataChannelClient; opened: DataChannel[]; messages: Array<{ channel: DataChannel; data: Buffer; binary: boolean }> }> {
    const peer = endpoint.createPeer();
    const opened: DataChannel[] = [];
    const messages: Array<{ channel: DataChannel; data: Buffer; binary: boolean }> = [];
    peer.dataChannels.events.on('channelOpened', (c) => opened.push(c));
    peer.dataChannels.events.on('message', (channel, data, binary) => messages.push({ channel, data: Buffer.from(data), binary }));
    const socket = await new UdpClient(endpoint.address).bind();
    sockets.push(socket);
    const { dtls } = await connect(socket, peer, certificate);
    const client = await DataChannelClient.connect(dtls);
    await until(() => peer.dataChannels.connected, 'the association on the server');
    return { peer, client, opened, messages };
  }

  it('a client opens channels with DCEP, gets ACKs, and messages flow both ways with their PPIDs, in order', async () => {
    const { peer, client, opened, messages } = await connected();
    const reliable = client.open({ label: 'parley-data' });
    const lossy = client.open({ label: 'parley-data-lossy', ordered: false, maxRetransmits: 0 });
    await until(() => client.acked.has(reliable) && client.acked.has(lossy), 'two DATA_CHANNEL_ACKs');
    expect(opened.map((c) => [c.id, c.label, c.ordered, c.maxRetransmits, c.state])).toEqual([
      [0, 'parley-data', true, undefined, 'open'],
      [2, 'parley-data-lossy', false, 0, 'open'],
    ]);

    for (let i = 0; i < 50; i++) client.send(reliable, Ppid.string, Buffer.from(`message ${i}`));
    client.send(reliable, Ppid.binary, Buffer.from([0, 1, 2, 255]));
    client.send(reliable, Ppid.stringEmpty, Buffer.alloc(1));
    client.send(lossy, Ppid.binary, Buffer.from('lossy'), false);
    await until(() => messages.length === 53, '53 messages at the server');
    expect(messages.slice(0, 50).map((m) => m.data.toString())).toEqual(Array.from({ length: 50 }, (_, i) => `message ${i}`));
    expect(messages.slice(50).map((m) => [m.channel.id, [...m.data], m.binary])).toEqual([
      [0, [0, 1, 2, 255], true],
      [0, [], false],
      [2, [...Buffer.from('lossy')], true],
    ]);

    const [serverReliable, serverLossy] = opened as [DataChannel, DataChannel];
    expect(serverReliable.send('from the server')).toBe(true);
    expect(serverReliable.send(new Uint8Array([9, 8, 7]))).toBe(true);
    expect(serverLossy.send(new Uint8Array(0))).toBe(true);
    await until(() => client.received.length === 3, 'three messages at the client');
    expect(client.received.map((m) => [m.streamId, m.ppid, [...m.data]])).toEqual([
      [0, Ppid.string, [...Buffer.from('from the server')]],
      [0, Ppid.binary, [9, 8, 7]],
      [2, Ppid.binaryEmpty, [0]],
    ]);

    // A channel we open takes an odd stream id (we are the DTLS server, RFC 8832 §6).
    const own = peer.dataChannels.open({ label: 'server-made' });
    expect(own?.id).toBe(1);
    await until(() => client.received.length === 4, 'our DATA_CHANNEL_OPEN at the client');
    expect(client.received[3]).toMatchObject({ streamId: 1, ppid: Ppid.dcep });

    // The client closes its lossy channel by resetting the stream: the server forgets it.
    client.close(lossy);
    await until(() => serverLossy.state === 'closed', 'the lossy channel to close on the server');
    expect(serverLossy.send('late')).toBe(false);
    expect(peer.dataChannels.stats).toMatchObject({ messagesIn: 53, messagesOut: 3, malformedDcep: 0, unknownPpid: 0, sctpErrors: 0 });
    client.stop();
    peer.close();
  });

  it('garbage, unknown PPIDs, undeclared streams and oversized messages are counted and dropped; the channel keeps working', async () => {
    const { peer, client, messages } = await connected();
    const channel = client.open({ label: 'parley-data' });
    await until(() => client.acked.has(channel), 'the ACK');
    const before = { ...endpoint.stats };

    client.send(channel, Ppid.dcep, Buffer.from([0x03, 0x00, 0x01])); // a truncated OPEN
    client.send(channel, Ppid.dcep, Buffer.from([0x07])); // an unknown DCEP type
    client.send(3, Ppid.dcep, Buffer.from([0x03, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0x61])); // an OPEN on an odd (server) stream
    client.send(channel, 99, Buffer.from('what is this'));
    client.send(channel, 52, Buffer.from('deprecated partial string'));
    client.send(8, Ppid.string, Buffer.from('nobody opened stream 8'));
    client.send(channel, Ppid.binary, Buffer.alloc(64 * 1024 + 1, 1)); // over a=max-message-size
    client.send(channel, Ppid.binary, Buffer.alloc(64 * 1024, 2)); // exactly the limit: delivered
    // Not SCTP at all inside DTLS application data: bad checksum, too short.
    void client.dtls.send(Buffer.alloc(40, 0xab));
    void client.dtls.send(Buffer.from([1, 2, 3]));
    client.send(channel, Ppid.string, Buffer.from('still alive'));

    await until(() => messages.some((m) => m.data.toString() === 'still alive'), 'the message after the garbage');
    await until(() => peer.dataChannels.stats.sctpErrors >= 2, 'the two non-SCTP records');
    expect(peer.dataChannels.stats).toMatchObject({ malformedDcep: 3, unknownPpid: 2, notOpenDropped: 1, oversizedDropped: 1, sctpErrors: 2, channelsOpened: 1 });
    expect(messages.map((m) => m.data.length)).toEqual([64 * 1024, 'still alive'.length]);
    expect(endpoint.stats.internalErrors).toBe(before.internalErrors);
    expect(peer.dtlsState).toBe('connected');
    client.stop();
    peer.close();
  });

  it('channels beyond the limit are refused with a stream reset; closing one makes room', async () => {
    const { peer, client, opened } = await connected();
    const ids = Array.from({ length: 6 }, (_, i) => client.open({ label: `c${i}` }));
    await until(() => client.reset.size === 2, 'two refused channels reset');
    expect([...client.reset].sort((a, b) => a - b)).toEqual([8, 10]);
    expect(opened.map((c) => c.id)).toEqual(ids.slice(0, 4));
    expect(peer.dataChannels.channels()).toHaveLength(4);
    expect(peer.dataChannels.stats.channelLimit).toBe(2);

    client.close(ids[0] as number);
    await until(() => peer.dataChannels.channels().length === 3, 'the closed channel gone');
    const again = client.open({ label: 'fits now' });
    await until(() => client.acked.has(again), 'the ACK of a fifth channel after a close');
    expect(peer.dataChannels.channels().map((c) => c.label)).toEqual(['c1', 'c2', 'c3', 'fits now']);
    client.stop();
    peer.close();
  });

  it('a receiver that stops acknowledging cannot grow the outbound buffer past its limit: sends beyond it are dropped', async () => {
    const { peer, client, opened } = await connected();
    const id = client.open({ label: 'slow' });
    await until(() => client.acked.has(id), 'the ACK');
    const channel = opened[0] as DataChannel;
    client.receiving = false;
    const payload = new Uint8Array(1000);
    let accepted = 0;
    for (let i = 0; i < 200; i++) if (channel.send(payload)) accepted++;
    const limit = peer.dataChannels.limits.maxBufferedBytes;
    expect(peer.dataChannels.bufferedBytes).toBeLessThanOrEqual(limit);
    // 48 KiB of 1200-byte chunks, a few in flight beyond it (the congestion window): far fewer than the 200 offered.
    expect(accepted).toBeGreaterThan(30);
    expect(accepted).toBeLessThan(60);
    expect(peer.dataChannels.stats.outboundDropped).toBe(200 - accepted);
    client.stop();
    peer.close();
    expect(channel.state).toBe('closed');
    expect(channel.send('after close')).toBe(false);
  });

  it('closed peers leave no SCTP timers behind (heartbeat, retransmission)', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    // werift's DTLS flights of the earlier tests wait up to 1 s before they see the handshake ended.
    await new Promise((r) => setTimeout(r, 1500));
    const baseline = timers();
    for (let i = 0; i < 5; i++) {
      const { peer, client } = await connected();
      const id = client.open({ label: 'x' });
      await until(() => client.acked.has(id), 'the ACK');
      (peer.dataChannels.channels()[0] as DataChannel).send('bye');
      await until(() => client.received.length === 1, 'the last message');
      client.stop();
      peer.close();
      expect(peer.dataChannels.connected).toBe(false);
    }
    await until(() => timers() <= baseline, `Timeout handles back to ${baseline}`, 5000).catch(() => undefined);
    expect(timers()).toBeLessThanOrEqual(baseline);
  });
});
