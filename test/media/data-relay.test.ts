import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Attr, decodeMessage, shortTermKey, verifyIntegrity } from '@parley/stun';
import { Ppid, createDtlsCertificate, type DtlsCertificate } from '@parley/media';
import { DATA_CHANNEL_LABELS, decodeDataFrame, encodeDataFrame, type DataFrame } from '@parley/protocol';
import { startTestServer, type TestServer } from '../support/server.ts';
import { WsSignalClient } from '../support/signal-client.ts';
import { UdpClient, dtlsClient, until } from './endpoint-client.ts';
import { DataChannelClient, dataChannelOffer } from './datachannel-client.ts';
import { bindingRequest, completeDtlsSrtp, iceCredentials } from './webrtc-client.ts';

/**
 * The room data relay on a real server: Node participants join over signaling, offer only a data channel section to
 * the SFU, and speak SCTP/DCEP over ICE and DTLS on loopback; frames go through `SfuService`'s relay.
 */
const RATE = 64 * 1024;

interface Member {
  id: string;
  signal: WsSignalClient;
  data: DataChannelClient;
  reliable: number;
  lossy: number;
  /** Decoded frames received, with the stream they came on. */
  frames: Array<DataFrame & { streamId: number }>;
}

describe('the room data relay', () => {
  let server: TestServer;
  let certificate: DtlsCertificate;
  const sockets: UdpClient[] = [];
  let counter = 0;

  beforeAll(async () => {
    server = await startTestServer({ media: { data: { rateBytesPerSecond: RATE, burstBytes: RATE } } });
    certificate = await createDtlsCertificate();
    await server.createRoom({ id: 'relay-a', topology: 'sfu' });
    await server.createRoom({ id: 'relay-b', topology: 'sfu' });
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await server.close();
  });

  async function join(room: string): Promise<Member> {
    const n = ++counter;
    const signal = await WsSignalClient.join(server.wsUrl, { token: await server.token(room, `user${n}`) });
    const ufrag = `dc${n}`;
    const offer = dataChannelOffer(ufrag, 'p'.repeat(24), certificate.fingerprint.value);
    const response = await signal.request({ type: 'sfuOffer', sdp: offer, publish: [], subscribe: [] });
    if (!response.ok) throw new Error(`sfuOffer refused: ${response.error.code} ${response.error.message}`);
    const answer = (response.data as { sdp: string }).sdp;
    expect(answer).toContain('a=sctp-port:5000');
    const port = Number(/^m=application (\d+)/m.exec(answer)?.[1]);
    const socket = await new UdpClient({ address: '127.0.0.1', port }).bind();
    sockets.push(socket);
    const { ufrag: serverUfrag, pwd } = iceCredentials(answer);
    socket.send(bindingRequest(`${serverUfrag}:${ufrag}`, pwd));
    const check = decodeMessage((await socket.next()) as Buffer);
    expect(check.cls === 'success' && verifyIntegrity(check, shortTermKey(pwd)) && check.attributes.some((a) => a.type === Attr['XOR-MAPPED-ADDRESS'])).toBe(true);
    const dtls = dtlsClient(socket, certificate);
    await completeDtlsSrtp(dtls);
    const data = await DataChannelClient.connect(dtls);
    const reliable = data.open({ label: DATA_CHANNEL_LABELS.reliable });
    const lossy = data.open({ label: DATA_CHANNEL_LABELS.lossy, ordered: false, maxRetransmits: 0 });
    await until(() => data.acked.has(reliable) && data.acked.has(lossy), 'the ACKs of both channels');
    const member: Member = { id: signal.participantId, signal, data, reliable, lossy, frames: [] };
    data.sctp.onReceive.subscribe((streamId, ppid, bytes) => {
      if (ppid === Ppid.binary) member.frames.push({ ...decodeDataFrame(bytes), streamId });
    });
    return member;
  }

  const send = (m: Member, frame: Partial<DataFrame> & { payload: Uint8Array }, lossy = false) =>
    m.data.send(lossy ? m.lossy : m.reliable, Ppid.binary, Buffer.from(encodeDataFrame({ from: '', to: [], text: false, ...frame })), !lossy);

  async function metric(name: string, labels: string): Promise<number> {
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    return Number(text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `))?.split(' ')[1] ?? 0);
  }

  let ann: Member;
  let ben: Member;
  let cat: Member;
  let dan: Member;

  it('relays to the others of the sender\'s room only, tagged with the sender, on the channel of the same kind', async () => {
    ann = await join('relay-a');
    ben = await join('relay-a');
    cat = await join('relay-a');
    dan = await join('relay-b');
    send(ann, { text: true, payload: Buffer.from('hi all') });
    send(ann, { payload: Buffer.from([1, 2, 3]) }, true);
    for (const m of [ben, cat]) await until(() => m.frames.length === 2, 'two frames');
    for (const m of [ben, cat]) {
      expect(m.frames.map((f) => [f.from, f.to, f.text, f.lossy, [...f.payload], f.streamId])).toEqual([
        [ann.id, [], true, false, [...Buffer.from('hi all')], m.reliable],
        [ann.id, [], false, true, [1, 2, 3], m.lossy],
      ]);
    }
    expect(ann.frames).toEqual([]);
    expect(dan.frames).toEqual([]);
  });

  it('delivers to the listed destinations only; an id from another room gets nothing', async () => {
    send(ann, { to: [ben.id, dan.id], payload: Buffer.from('to ben') });
    send(ann, { payload: Buffer.from('marker') });
    await until(() => cat.frames.length === 3 && ben.frames.length === 4, 'the marker');
    expect(ben.frames.slice(2).map((f) => Buffer.from(f.payload).toString())).toEqual(['to ben', 'marker']);
    expect(cat.frames.slice(2).map((f) => Buffer.from(f.payload).toString())).toEqual(['marker']);
    expect(dan.frames).toEqual([]);
    expect(await metric('parley_data_dropped_total', 'reason="unknown_destination"')).toBe(1);
  });

  it('drops malformed frames, frames that claim a sender, and strings, counting each', async () => {
    ann.data.send(ann.reliable, Ppid.binary, Buffer.from([9, 9, 9, 9]));
    ann.data.send(ann.reliable, Ppid.binary, Buffer.from(encodeDataFrame({ from: ben.id, to: [], text: true, payload: Buffer.from('I am Ben') })));
    ann.data.send(ann.reliable, Ppid.string, Buffer.from('plain text'));
    send(ann, { payload: Buffer.from('after the junk') });
    await until(() => cat.frames.length === 4, 'the frame after the junk');
    expect(Buffer.from(cat.frames[3]!.payload).toString()).toBe('after the junk');
    expect(await metric('parley_data_dropped_total', 'reason="malformed"')).toBe(2);
    expect(await metric('parley_data_dropped_total', 'reason="not_binary"')).toBe(1);
  });

  it('a sender over its byte rate is cut to it; the others keep sending', async () => {
    const before = ben.frames.length;
    const started = performance.now();
    // 256 KiB in 8 KiB frames at once, against a 64 KiB burst refilled at 64 KiB/s.
    for (let i = 0; i < 32; i++) send(ann, { payload: new Uint8Array(8 * 1024).fill(i) });
    send(cat, { payload: Buffer.from('cat is not limited') });
    await until(() => ben.frames.some((f) => Buffer.from(f.payload).toString() === 'cat is not limited'), 'Cat\'s frame');
    await new Promise((r) => setTimeout(r, 300));
    const elapsedS = (performance.now() - started) / 1000;
    const fromAnn = ben.frames.slice(before).filter((f) => f.from === ann.id);
    const frameBytes = 8 * 1024 + 4;
    expect(fromAnn.length).toBeGreaterThanOrEqual(Math.floor(RATE / frameBytes) - 1);
    expect(fromAnn.length * frameBytes).toBeLessThanOrEqual(RATE + RATE * elapsedS + frameBytes);
    expect(await metric('parley_data_dropped_total', 'reason="rate_limited"')).toBe(32 - fromAnn.length);
  });
});
