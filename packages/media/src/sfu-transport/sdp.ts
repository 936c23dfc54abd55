import { randomInt } from 'node:crypto';
import type { DtlsFingerprint } from '../endpoint/dtls.ts';
import type { IceAddress, IceParameters } from '../endpoint/ice-lite.ts';
import { SdpError, parseSdpOffer, type SdpMediaSection, type SdpOffer } from '../endpoint/sdp.ts';
import { DEFAULT_DATA_CHANNEL_LIMITS, SCTP_PORT } from '../datachannel/data-channels.ts';
import { parseFmtp, pickPublishCodec, pickSubscribePayloadType, type SfuCodec } from './codecs.ts';

/** Header extensions the SFU understands (RFC 8285 URIs); anything else offered is left out of the answer. */
export const ExtensionUri = {
  mid: 'urn:ietf:params:rtp-hdrext:sdes:mid',
  rid: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
  repairedRid: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id',
  audioLevel: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  transportCc: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
} as const;
export type ExtensionName = keyof typeof ExtensionUri;

export type { SfuCodec };

/**
 * The codecs every WebRTC browser must support (RFC 7874 §3, RFC 7742 §5): Opus for audio; VP8 is one of the video
 * codecs a publisher may send (see `pickPublishCodec`: VP8, VP9 or H.264, as it prefers).
 */
export const SFU_CODECS: Record<'audio' | 'video', SfuCodec> = {
  audio: { encodingName: 'opus', clockRate: 48000, channels: 2 },
  video: { encodingName: 'VP8', clockRate: 90000 },
};

/** A receiving section of the client (it subscribes): what we send into it. */
export interface SubscribePlan {
  codec: SfuCodec;
  ssrc: number;
  cname: string;
  streamId: string;
  trackId: string;
}

export interface SfuAnswerInput {
  offer: string | SdpOffer;
  /** Mids of the client's sending sections that we accept as producers. */
  publish: ReadonlySet<string>;
  /** Mids of the client's receiving sections that we fill, and with what. */
  subscribe: ReadonlyMap<string, SubscribePlan>;
  iceParameters: IceParameters;
  fingerprint: DtlsFingerprint;
  candidate: IceAddress;
  /** The endpoint's passive ICE-TCP candidate (RFC 6544), when it listens on TCP too. */
  tcpCandidate?: IceAddress;
  /** a=max-message-size we announce for data channels (RFC 8841 §6); default 64 KiB. */
  maxMessageSize?: number;
}

/** `data`: the m=application section of WebRTC data channels (SCTP over the bundled DTLS, RFC 8841). */
export type SectionRole = 'publish' | 'subscribe' | 'inactive' | 'data' | 'rejected';

export interface AnsweredSection {
  mid: string;
  kind: string;
  role: SectionRole;
  /** The client's payload type for the chosen codec (publish: what it sends; subscribe: what we must send). */
  payloadType: number | undefined;
  codec: SfuCodec | undefined;
  /** A subscription answered inactive because the client offers no codec able to decode the producer's. */
  codecMismatch: boolean;
  /**
   * Publish (video): the client's RTX payload type for the chosen codec (RFC 4588 §8.6, `apt`), when it offers one and
   * NACK: retransmissions and padding then come on their own SSRC, so a hole in the media sequence is lost media.
   */
  rtxPayloadType: number | undefined;
  /** Simulcast rids the client sends, lowest first as offered; undefined without simulcast. */
  rids: string[] | undefined;
  /** Extension ids negotiated for this section. */
  extensions: Partial<Record<ExtensionName, number>>;
  /** a=ssrc values the client announced (a non-simulcast publisher). */
  ssrcs: number[];
  /** The client's a=msid stream id (publish). */
  streamId: string | undefined;
  nack: boolean;
}

export interface SfuAnswer {
  sdp: string;
  sections: AnsweredSection[];
  remoteIceParameters: IceParameters;
  remoteFingerprint: DtlsFingerprint;
}

function extensionsOf(m: SdpMediaSection, names: readonly ExtensionName[]): Partial<Record<ExtensionName, number>> {
  const out: Partial<Record<ExtensionName, number>> = {};
  for (const name of names) {
    const ext = m.extMaps.find((e) => e.uri === ExtensionUri[name]);
    if (ext && ext.id >= 1 && ext.id <= 14) out[name] = ext.id;
  }
  return out;
}

function pickAudio(m: SdpMediaSection): { payloadType: number; codec: SfuCodec } | undefined {
  const payloadType = pickSubscribePayloadType(m, SFU_CODECS.audio);
  return payloadType === undefined ? undefined : { payloadType, codec: SFU_CODECS.audio };
}

/**
 * Answers the client's offer on its one SFU connection (RFC 8829 §5.3). The client's sending sections named in
 * `publish` are answered recvonly, with RFC 8853 simulcast when offered; its receiving sections named in
 * `subscribe` are answered sendonly with our SSRC and the publisher's stream id (RFC 8830 msid); every other
 * bundled RTP section is accepted inactive, so the client can reuse its transceiver later.
 * Video codecs: a publisher gets its preferred one among VP8, VP9 and H.264 (`pickPublishCodec`); a subscriber must
 * offer the producer's codec with compatible parameters, else its section is inactive (`codecMismatch`).
 * RTX (RFC 4588) is answered for a publisher's video when offered with NACK (its retransmissions and padding come on
 * their own SSRC); toward subscribers it is not, so our retransmissions go on the media SSRC.
 */
export function createSfuAnswer(input: SfuAnswerInput): SfuAnswer {
  const offer = typeof input.offer === 'string' ? parseSdpOffer(input.offer) : input.offer;
  if (offer.bundle.length === 0) throw new SdpError('NOT_BUNDLED', 'the offer has no a=group:BUNDLE');
  const sections: AnsweredSection[] = offer.media.map((m, i) => answerSection(m, m.mid ?? String(i), offer, input));
  const accepted = sections.filter((s) => s.role !== 'rejected');
  if (accepted.length === 0) throw new SdpError('NO_COMMON_CODEC', 'no bundled audio/video section offers Opus, VP8, VP9 or H.264 (packetization-mode=1), and no data channel section');
  const first = offer.media[sections.indexOf(accepted[0] as AnsweredSection)] as SdpMediaSection;
  const iceUfrag = first.iceUfrag ?? offer.iceUfrag;
  const icePwd = first.icePwd ?? offer.icePwd;
  const fingerprint = first.fingerprint ?? offer.fingerprint;
  if (!iceUfrag || !icePwd) throw new SdpError('NO_ICE_CREDENTIALS', 'the offer has no a=ice-ufrag/a=ice-pwd');
  if (!fingerprint) throw new SdpError('NO_FINGERPRINT', 'the offer has no a=fingerprint:sha-256');
  for (const s of accepted) {
    if (s.role !== 'data' && !offer.media[sections.indexOf(s)]?.rtcpMux) throw new SdpError('NO_RTCP_MUX', `section ${s.mid} does not offer a=rtcp-mux (RFC 8829 §5.2.1 requires it)`);
  }
  const { address, port } = input.candidate;
  const lines = ['v=0', `o=- ${randomInt(1, 2 ** 47)} 2 IN IP4 ${address}`, 's=-', 't=0 0', 'a=ice-lite', `a=group:BUNDLE ${accepted.map((s) => s.mid).join(' ')}`, 'a=msid-semantic: WMS *'];
  for (const [i, s] of sections.entries()) lines.push(...sectionLines(s, offer.media[i] as SdpMediaSection, input, address, port));
  return { sdp: `${lines.join('\r\n')}\r\n`, sections, remoteIceParameters: { usernameFragment: iceUfrag, password: icePwd }, remoteFingerprint: fingerprint };
}

function answerSection(m: SdpMediaSection, mid: string, offer: SdpOffer, input: SfuAnswerInput): AnsweredSection {
  const base: AnsweredSection = {
    mid, kind: m.kind, role: 'rejected', payloadType: undefined, codec: undefined, codecMismatch: false, rtxPayloadType: undefined, rids: undefined, extensions: {}, ssrcs: m.ssrcs, streamId: m.msid?.stream, nack: false,
  };
  // RFC 8841 §4: data channels are "UDP/DTLS/SCTP" (or TCP/DTLS/SCTP) with the format webrtc-datachannel.
  if (m.kind === 'application') return m.protocol.endsWith('DTLS/SCTP') && m.formats.includes('webrtc-datachannel') && offer.bundle.includes(mid) ? { ...base, role: 'data' } : base;
  const kind = m.kind === 'audio' || m.kind === 'video' ? m.kind : undefined;
  if (!kind || !m.protocol.includes('RTP') || !offer.bundle.includes(mid)) return base;
  const plan = input.subscribe.get(mid);
  const sending = m.direction === 'sendonly' || m.direction === 'sendrecv';
  const receiving = m.direction === 'recvonly' || m.direction === 'sendrecv';
  // Our own choice (publish, or a section we leave inactive): the client's preferred codec we forward.
  const own = kind === 'audio' ? pickAudio(m) : pickPublishCodec(m);
  const planned = plan && receiving ? pickSubscribePayloadType(m, plan.codec) : undefined;
  if (plan && receiving && planned === undefined) {
    // It cannot decode the producer's codec: no media rather than undecodable media. The section stays accepted
    // (inactive, with a codec of its own offer), so the client keeps its transceiver for another subscription.
    return own ? { ...base, role: 'inactive', payloadType: own.payloadType, codec: own.codec, codecMismatch: true } : base;
  }
  const payloadType = planned ?? own?.payloadType;
  const codec = planned !== undefined ? plan?.codec : own?.codec;
  if (payloadType === undefined || !codec) return base;
  const nack = (m.rtcpFb.get(payloadType) ?? []).includes('nack');
  if (input.publish.has(mid) && sending) {
    const sendRids = m.rids.filter((r) => r.direction === 'send').map((r) => r.id);
    const rtxPayloadType = kind === 'video' && nack ? rtxFor(m, payloadType) : undefined;
    const extensions = extensionsOf(m, kind === 'audio' ? ['mid', 'audioLevel', 'transportCc'] : ['mid', 'rid', 'repairedRid', 'transportCc']);
    const rids = sendRids.length > 1 && m.simulcast !== undefined && extensions.rid !== undefined ? sendRids : undefined;
    // A simulcast layer's retransmissions name it with repaired-rtp-stream-id (RFC 8852 §3.2): no RTX without it.
    const rtx = rids && extensions.repairedRid === undefined ? undefined : rtxPayloadType;
    if (rtx === undefined || !rids) delete extensions.repairedRid;
    return { ...base, role: 'publish', payloadType, codec, rtxPayloadType: rtx, rids, extensions, nack };
  }
  if (plan && receiving) return { ...base, role: 'subscribe', payloadType, codec, extensions: extensionsOf(m, ['mid', 'transportCc']), nack };
  return { ...base, role: 'inactive', payloadType, codec, nack };
}

/** RFC 4588 §8.6: the offered `rtx/<clock>` format whose `apt` is `payloadType`, if any. */
function rtxFor(m: SdpMediaSection, payloadType: number): number | undefined {
  for (const [pt, map] of m.rtpMaps) {
    if (map.encodingName.toLowerCase() !== 'rtx' || map.clockRate !== m.rtpMaps.get(payloadType)?.clockRate) continue;
    if (parseFmtp(m.fmtp.get(pt)).get('apt') === String(payloadType)) return pt;
  }
  return undefined;
}

function transportLines(mid: string, input: SfuAnswerInput, address: string): string[] {
  return [
    `c=IN IP4 ${address}`,
    `a=ice-ufrag:${input.iceParameters.usernameFragment}`,
    `a=ice-pwd:${input.iceParameters.password}`,
    `a=fingerprint:${input.fingerprint.algorithm} ${input.fingerprint.value}`,
    // RFC 8842 §5.3: the answerer to an actpass offer picks; we are the DTLS server.
    'a=setup:passive',
    `a=mid:${mid}`,
  ];
}

function candidateLines(input: SfuAnswerInput, address: string, port: number): string[] {
  // RFC 8839 §5.1: priority of a host candidate with type preference 126, local preference 65535, component 1.
  const lines = [`a=candidate:1 1 udp 2130706431 ${address} ${port} typ host`];
  const tcp = input.tcpCandidate;
  // RFC 6544 §4.2: local preference (2^13 × direction preference + other) with passive = 4 for host candidates,
  // so UDP (65535) wins whenever it works; the client connects to us (RFC 6544 §4.5: we never open connections).
  if (tcp) lines.push(`a=candidate:2 1 tcp ${126 * 2 ** 24 + ((4 << 13) | 8191) * 2 ** 8 + 255} ${tcp.address} ${tcp.port} typ host tcptype passive`);
  lines.push('a=end-of-candidates');
  return lines;
}

function sectionLines(s: AnsweredSection, offered: SdpMediaSection, input: SfuAnswerInput, address: string, port: number): string[] {
  if (s.role === 'data') {
    // RFC 8841 §5-6: our SCTP port and the largest message we take; the same DTLS association as the media.
    const maxMessageSize = input.maxMessageSize ?? DEFAULT_DATA_CHANNEL_LIMITS.maxMessageBytes;
    return [`m=application ${port} ${offered.protocol} webrtc-datachannel`, ...transportLines(s.mid, input, address), `a=sctp-port:${SCTP_PORT}`, `a=max-message-size:${maxMessageSize}`, ...candidateLines(input, address, port)];
  }
  if (s.role === 'rejected' || s.payloadType === undefined || !s.codec) {
    // RFC 8829 §5.3.1: a rejected section keeps its kind, protocol and mid, with port 0.
    return [`m=${offered.kind} 0 ${offered.protocol} ${offered.formats.join(' ') || '0'}`, 'c=IN IP4 0.0.0.0', `a=mid:${s.mid}`, 'a=inactive'];
  }
  const pt = s.payloadType;
  const rtpMap = offered.rtpMaps.get(pt);
  const rtx = s.role === 'publish' ? s.rtxPayloadType : undefined;
  const lines = [`m=${s.kind} ${port} ${offered.protocol} ${pt}${rtx === undefined ? '' : ` ${rtx}`}`, ...transportLines(s.mid, input, address)];
  for (const [name, id] of Object.entries(s.extensions)) lines.push(`a=extmap:${id} ${ExtensionUri[name as ExtensionName]}`);
  lines.push(s.role === 'publish' ? 'a=recvonly' : s.role === 'subscribe' ? 'a=sendonly' : 'a=inactive', 'a=rtcp-mux');
  if (offered.rtcpRsize) lines.push('a=rtcp-rsize');
  lines.push(`a=rtpmap:${pt} ${rtpMap?.encodingName ?? s.codec.encodingName}/${s.codec.clockRate}${rtpMap?.channels ? `/${rtpMap.channels}` : ''}`);
  const fb = offered.rtcpFb.get(pt) ?? [];
  // Only feedback we act on: transport-cc (both ways), NACK and PLI/FIR for video.
  for (const f of ['transport-cc', 'nack', 'nack pli', 'ccm fir']) {
    if (fb.includes(f) && (f === 'transport-cc' ? s.extensions.transportCc !== undefined : s.kind === 'video')) lines.push(`a=rtcp-fb:${pt} ${f}`);
  }
  const fmtp = offered.fmtp.get(pt);
  if (s.kind === 'audio') lines.push(`a=fmtp:${pt} minptime=10;useinbandfec=1`);
  else if (fmtp && s.codec.encodingName !== 'VP8') lines.push(`a=fmtp:${pt} ${fmtp}`);
  if (rtx !== undefined) lines.push(`a=rtpmap:${rtx} rtx/${s.codec.clockRate}`, `a=fmtp:${rtx} apt=${pt}`);
  if (s.role === 'publish' && s.rids) {
    // RFC 8853 §5.3: the answerer mirrors the rids with recv and lists them in a=simulcast:recv.
    for (const rid of s.rids) lines.push(`a=rid:${rid} recv`);
    lines.push(`a=simulcast:recv ${s.rids.join(';')}`);
  }
  const plan = s.role === 'subscribe' ? input.subscribe.get(s.mid) : undefined;
  if (plan) {
    lines.push(`a=msid:${plan.streamId} ${plan.trackId}`, `a=ssrc:${plan.ssrc} cname:${plan.cname}`, `a=ssrc:${plan.ssrc} msid:${plan.streamId} ${plan.trackId}`);
  }
  lines.push(...candidateLines(input, address, port));
  return lines;
}
