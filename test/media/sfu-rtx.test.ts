import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaEndpoint, Router, SfuTransport, createDtlsCertificate, serializeRtp, type Producer } from '@parley/media';
import { MID_EXTENSION_ID, RID_EXTENSION_ID, WebRtcClient, until } from './webrtc-client.ts';

/**
 * A publisher's RTX (RFC 4588) through SfuTransport, with the Chrome fixture's simulcast camera (mid 1: VP8 96, RTX 97,
 * repaired-rtp-stream-id 11): a retransmission on the RTX stream fills the hole in the layer it names, padding on it is
 * dropped, and a retransmission that cannot be placed is dropped and counted, never put on the wrong stream.
 */
const REPAIRED_RID_EXTENSION_ID = 11;
const MEDIA_SSRC = 0x5151;
const RTX_SSRC = 0x7171;

function packet(o: { ssrc: number; seq: number; payloadType: number; rid?: string; repairedRid?: string; payload: Buffer; paddingLength?: number }): Buffer {
  const extensions = new Map<number, Buffer>([[MID_EXTENSION_ID, Buffer.from('1')]]);
  if (o.rid !== undefined) extensions.set(RID_EXTENSION_ID, Buffer.from(o.rid));
  if (o.repairedRid !== undefined) extensions.set(REPAIRED_RID_EXTENSION_ID, Buffer.from(o.repairedRid));
  return serializeRtp({ marker: false, payloadType: o.payloadType, sequenceNumber: o.seq, timestamp: 3000, ssrc: o.ssrc, csrcs: [], extensions, paddingLength: o.paddingLength ?? 0, payload: o.payload });
}

/** RFC 7741 §4.2: a VP8 payload descriptor (S bit, partition 0) and a few bytes of an inter frame. */
const vp8 = (seq: number): Buffer => Buffer.from([0x10, 0x01, seq & 0xff, 0x02, 0x03]);
const media = (seq: number, rid = 'q'): Buffer => packet({ ssrc: MEDIA_SSRC, seq, payloadType: 96, rid, payload: vp8(seq) });
/** The retransmission of media packet `osn` on the RTX stream (its own sequence number `seq`). */
const rtx = (seq: number, osn: number, repairedRid = 'q', ssrc = RTX_SSRC): Buffer =>
  packet({ ssrc, seq, payloadType: 97, repairedRid, payload: Buffer.concat([Buffer.from([osn >> 8, osn & 0xff]), vp8(osn)]) });

describe('SFU: a publisher\'s RTX', () => {
  let endpoint: MediaEndpoint;
  let client: WebRtcClient;
  let transport: SfuTransport;
  let producer: Producer;

  beforeAll(async () => {
    endpoint = await MediaEndpoint.create({ listenAddress: '127.0.0.1', port: 0 });
    client = await WebRtcClient.create(endpoint.address, await createDtlsCertificate());
    transport = new SfuTransport({ id: 't-rtx', ownerId: 'alice', endpoint, router: new Router() });
    const { sdp, added } = transport.negotiate(client.offer(), new Map([['1', { source: 'camera' }]]), new Map());
    expect(sdp).toContain('a=fmtp:97 apt=96');
    producer = added[0]!.producer;
    await client.connect(sdp);
    await until(() => transport.peer?.dtlsState === 'connected', 'DTLS on the server');
  });

  afterAll(async () => {
    client.close();
    transport.close();
    await endpoint.close();
  });

  it('restores a retransmission onto its layer, drops padding, and drops what it cannot place', async () => {
    // RTX for a layer whose media stream has not been seen: nothing to restore it onto.
    client.sendRtp(rtx(900, 99, 'h', RTX_SSRC + 1));
    await until(() => transport.stats.rtxDropped === 1, 'the unplaceable retransmission to be dropped');
    for (const seq of [100, 101, 103]) client.sendRtp(media(seq));
    await until(() => producer.stats.packets === 3, 'three media packets');
    expect(producer.stats.nacksSent).toBeGreaterThan(0); // 102 is missing: the SFU asked for it
    client.sendRtp(packet({ ssrc: RTX_SSRC, seq: 5000, payloadType: 97, repairedRid: 'q', payload: Buffer.alloc(0), paddingLength: 200 }));
    await until(() => transport.stats.rtxPadding === 1, 'the padding to be counted');
    expect(producer.stats.packets).toBe(3);
    client.sendRtp(rtx(5001, 102));
    await until(() => producer.stats.packets === 4, 'the retransmission of 102');
    expect(producer.stats).toMatchObject({ outOfOrder: 1, duplicates: 0, wrongPayloadType: 0, malformed: 0 });
    client.sendRtp(rtx(5002, 101)); // a copy of what came already (Chrome probes with such copies)
    await until(() => transport.stats.rtxDuplicates === 1, 'the copy to be recognised');
    expect(producer.stats).toMatchObject({ packets: 4, duplicates: 0 });
    expect(transport.stats).toMatchObject({ rtxIn: 4, rtxPadding: 1, rtxDuplicates: 1, rtxDropped: 1, unknownSsrc: 0 });
  });
});
