/**
 * Joining either server with the same endpoint: a publisher (Opus + VP8, sendonly) or a subscriber (recvonly
 * sections for every published track). Parley: we offer, the ICE-lite SFU answers. Janus VideoRoom: publishers
 * offer; subscribers get Janus's offer and answer it (Janus, a full agent, then controls ICE).
 */
import { randomInt } from 'node:crypto';
import type { DtlsCertificate, SrtpProfile } from '@parley/media';
import { BenchPeer } from './peer.ts';
import type { JanusSession } from './janus-api.ts';
import { MediaSource, type MediaShape } from './media-source.ts';
import type { ParleySignal } from './parley-signal.ts';
import { MID_EXT_ID, MID_URI, OPUS_PT, TWCC_EXT_ID, TWCC_URI, VP8_PT, answerSections, parseSdp, type LocalSection } from './sdp.ts';

export interface EndpointOptions {
  bindAddress: string;
  certificate: DtlsCertificate;
  profiles: readonly SrtpProfile[];
  connectTimeoutMs: number;
}

const OUR_EXTENSIONS = [{ id: MID_EXT_ID, uri: MID_URI }, { id: TWCC_EXT_ID, uri: TWCC_URI }];

export interface Publisher {
  peer: BenchPeer;
  source: MediaSource;
  /** Janus: the publisher's feed id. */
  feedId?: number;
}

function publisherSections(source: MediaSource): LocalSection[] {
  return [
    { mid: source.audio.mid, kind: 'audio', direction: 'sendonly', payloadType: OPUS_PT, extensions: OUR_EXTENSIONS, ssrc: source.audio.ssrc },
    { mid: source.video.mid, kind: 'video', direction: 'sendonly', payloadType: VP8_PT, extensions: OUR_EXTENSIONS, ssrc: source.video.ssrc },
  ];
}

function newPublisher(index: number, o: EndpointOptions, shape: MediaShape): Publisher {
  const source = new MediaSource(index, { audio: randomInt(1, 2 ** 31), video: randomInt(1, 2 ** 31) }, { audio: '0', video: '1' }, shape);
  const peer = new BenchPeer({ bindAddress: o.bindAddress, certificate: o.certificate, profiles: o.profiles, onRtcp: (p) => source.onRtcp(p) });
  return { peer, source };
}

export async function publishToParley(signal: ParleySignal, index: number, o: EndpointOptions, shape: MediaShape): Promise<Publisher> {
  const pub = newPublisher(index, o, shape);
  await pub.peer.bind();
  const offer = pub.peer.describe(publisherSections(pub.source), 'actpass', `pub${index}`);
  const answer = parseSdp(await signal.sfuOffer({ sdp: offer, publish: [{ mid: '0', source: 'microphone' }, { mid: '1', source: 'camera' }], subscribe: [] }));
  await pub.peer.connect(answer, true, o.connectTimeoutMs);
  return pub;
}

export async function publishToJanus(session: JanusSession, room: number, index: number, o: EndpointOptions, shape: MediaShape): Promise<Publisher> {
  const pub = newPublisher(index, o, shape);
  await pub.peer.bind();
  const handle = await session.attach('janus.plugin.videoroom');
  const joined = await session.message(handle, { request: 'join', ptype: 'publisher', room, display: `pub${index}` });
  const offer = pub.peer.describe(publisherSections(pub.source), 'actpass', `pub${index}`);
  const reply = await session.message(handle, { request: 'configure', audio: true, video: true }, { type: 'offer', sdp: offer });
  if (!reply.jsep) throw new Error(`janus configure without an answer: ${JSON.stringify(reply.data).slice(0, 200)}`);
  await session.endOfCandidates(handle);
  await pub.peer.connect(parseSdp(reply.jsep.sdp), true, o.connectTimeoutMs);
  return { ...pub, feedId: joined.data.id as number };
}

export interface SubscribeHandlers {
  onRtp: (packet: Buffer, arrivedNs: bigint) => void;
}

/** Subscribes to every listed producer on one connection (Parley: recvonly sections we offer). */
export async function subscribeToParley(signal: ParleySignal, producers: ReadonlyArray<{ id: string; kind: 'audio' | 'video' }>, o: EndpointOptions, h: SubscribeHandlers): Promise<BenchPeer> {
  const peer = new BenchPeer({ bindAddress: o.bindAddress, certificate: o.certificate, profiles: o.profiles, onRtp: h.onRtp });
  await peer.bind();
  const sections: LocalSection[] = producers.map((p, i) => ({ mid: String(i), kind: p.kind, direction: 'recvonly', payloadType: p.kind === 'audio' ? OPUS_PT : VP8_PT, extensions: OUR_EXTENSIONS }));
  const offer = peer.describe(sections, 'actpass', `sub-${signal.participantId}`);
  try {
    const answer = parseSdp(await signal.sfuOffer({ sdp: offer, publish: [], subscribe: producers.map((p, i) => ({ mid: String(i), producerId: p.id })) }));
    await peer.connect(answer, true, o.connectTimeoutMs);
    return peer;
  } catch (err) {
    peer.close();
    throw err;
  }
}

/** Subscribes to every feed's streams on one multistream subscriber handle (Janus 1.x `join` with `streams`). */
export async function subscribeToJanus(session: JanusSession, room: number, feeds: readonly number[], o: EndpointOptions, h: SubscribeHandlers): Promise<BenchPeer> {
  const peer = new BenchPeer({ bindAddress: o.bindAddress, certificate: o.certificate, profiles: o.profiles, onRtp: h.onRtp });
  await peer.bind();
  const handle = await session.attach('janus.plugin.videoroom');
  try {
    const joined = await session.message(handle, { request: 'join', ptype: 'subscriber', room, streams: feeds.map((feed) => ({ feed })) });
    if (!joined.jsep) throw new Error(`janus subscriber join without an offer: ${JSON.stringify(joined.data).slice(0, 200)}`);
    const offer = parseSdp(joined.jsep.sdp);
    const answer = peer.describe(answerSections(offer), 'active', `sub${handle}`);
    await session.message(handle, { request: 'start' }, { type: 'answer', sdp: answer });
    await session.endOfCandidates(handle);
    await peer.connect(offer, false, o.connectTimeoutMs);
    return peer;
  } catch (err) {
    peer.close();
    await session.detach(handle);
    throw err;
  }
}
