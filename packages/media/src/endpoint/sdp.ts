import { randomInt } from 'node:crypto';
import type { DtlsFingerprint } from './dtls.ts';
import type { IceAddress, IceParameters } from './ice-lite.ts';

/** Why an offer cannot be answered. Stable: callers map it to a signaling error. */
export type SdpErrorCode = 'MALFORMED' | 'NO_ICE_CREDENTIALS' | 'NO_FINGERPRINT' | 'NOT_BUNDLED' | 'NO_RTCP_MUX' | 'NO_COMMON_CODEC';

export class SdpError extends Error {
  readonly code: SdpErrorCode;

  constructor(code: SdpErrorCode, message: string) {
    super(message);
    this.name = 'SdpError';
    this.code = code;
  }
}

export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpRtpMap {
  encodingName: string;
  clockRate: number;
  channels: number | undefined;
}

/** One m-section of an offer, reduced to what an answerer needs (RFC 8866 §5.14, RFC 8829 §5.3). */
export interface SdpMediaSection {
  kind: string;
  port: number;
  protocol: string;
  formats: string[];
  mid: string | undefined;
  direction: SdpDirection;
  rtpMaps: Map<number, SdpRtpMap>;
  fmtp: Map<number, string>;
  extMaps: { id: number; uri: string }[];
  iceUfrag: string | undefined;
  icePwd: string | undefined;
  fingerprint: DtlsFingerprint | undefined;
  rtcpMux: boolean;
  rtcpRsize: boolean;
  ssrcs: number[];
  /** RFC 8851 restriction identifiers, in offer order, with their direction. */
  rids: { id: string; direction: 'send' | 'recv' }[];
  /** RFC 8853 a=simulcast value, as written. */
  simulcast: string | undefined;
  /** RFC 8830 a=msid: the MediaStream id and the track id. */
  msid: { stream: string; track: string } | undefined;
  /** RFC 4585 §4.2 a=rtcp-fb values by payload type ('*' as -1). */
  rtcpFb: Map<number, string[]>;
  /** RFC 8841 §5: a=sctp-port and a=max-message-size of an m=application section. */
  sctpPort: number | undefined;
  maxMessageSize: number | undefined;
}

export interface SdpOffer {
  bundle: string[];
  media: SdpMediaSection[];
  iceUfrag: string | undefined;
  icePwd: string | undefined;
  fingerprint: DtlsFingerprint | undefined;
}

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

function parseFingerprint(value: string): DtlsFingerprint | undefined {
  const [algorithm, hex] = value.trim().split(/\s+/);
  // RFC 8122 §5: sha-256 is the one every browser sends; we compare only that.
  return algorithm?.toLowerCase() === 'sha-256' && hex && /^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/.test(hex) ? { algorithm: 'sha-256', value: hex.toUpperCase() } : undefined;
}

/** Parses the lines we need; unknown lines are skipped (RFC 8866 §5: ignore what you do not understand). */
export function parseSdpOffer(sdp: string): SdpOffer {
  const offer: SdpOffer = { bundle: [], media: [], iceUfrag: undefined, icePwd: undefined, fingerprint: undefined };
  let section: SdpMediaSection | undefined;
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines[0] !== 'v=0') throw new SdpError('MALFORMED', 'an SDP starts with v=0');
  for (const line of lines) {
    if (line[1] !== '=') throw new SdpError('MALFORMED', `not an SDP line: ${line.slice(0, 40)}`);
    const type = line[0];
    const value = line.slice(2);
    if (type === 'm') {
      const [kind, port, protocol, ...formats] = value.split(' ');
      const portNumber = Number(port?.split('/')[0]);
      if (!kind || !protocol || !Number.isInteger(portNumber)) throw new SdpError('MALFORMED', `bad m-line: ${value}`);
      section = {
        kind, port: portNumber, protocol, formats, mid: undefined, direction: 'sendrecv', rtpMaps: new Map(), fmtp: new Map(), extMaps: [],
        iceUfrag: undefined, icePwd: undefined, fingerprint: undefined, rtcpMux: false, rtcpRsize: false, ssrcs: [],
        rids: [], simulcast: undefined, msid: undefined, rtcpFb: new Map(), sctpPort: undefined, maxMessageSize: undefined,
      };
      offer.media.push(section);
      continue;
    }
    if (type !== 'a') continue;
    const colon = value.indexOf(':');
    const name = colon < 0 ? value : value.slice(0, colon);
    const arg = colon < 0 ? '' : value.slice(colon + 1);
    if (name === 'group' && arg.startsWith('BUNDLE')) offer.bundle = arg.split(' ').slice(1).filter((m) => m.length > 0);
    const target = section ?? offer;
    if (name === 'ice-ufrag') target.iceUfrag = arg;
    else if (name === 'ice-pwd') target.icePwd = arg;
    else if (name === 'fingerprint') target.fingerprint = parseFingerprint(arg) ?? target.fingerprint;
    if (!section) continue;
    if (name === 'mid') section.mid = arg;
    else if (DIRECTIONS.has(name)) section.direction = name as SdpDirection;
    else if (name === 'rtcp-mux') section.rtcpMux = true;
    else if (name === 'rtcp-rsize') section.rtcpRsize = true;
    else if (name === 'rtpmap') {
      const m = /^(\d+) ([^/\s]+)\/(\d+)(?:\/(\d+))?$/.exec(arg);
      if (m) section.rtpMaps.set(Number(m[1]), { encodingName: m[2] as string, clockRate: Number(m[3]), channels: m[4] === undefined ? undefined : Number(m[4]) });
    } else if (name === 'fmtp') {
      const m = /^(\d+) (.*)$/.exec(arg);
      if (m) section.fmtp.set(Number(m[1]), m[2] as string);
    } else if (name === 'extmap') {
      const m = /^(\d+)(?:\/\w+)? (\S+)/.exec(arg);
      if (m) section.extMaps.push({ id: Number(m[1]), uri: m[2] as string });
    } else if (name === 'ssrc') {
      const ssrc = Number(arg.split(' ')[0]);
      if (Number.isInteger(ssrc) && ssrc >= 0 && ssrc <= 0xffff_ffff && !section.ssrcs.includes(ssrc) && section.ssrcs.length < 16) section.ssrcs.push(ssrc);
    } else if (name === 'rid') {
      // RFC 8851 §10: rid-id is 1*(alpha-numeric / "-" / "_"); we accept short ones only.
      const m = /^([A-Za-z0-9_-]{1,16}) (send|recv)\b/.exec(arg);
      if (m && section.rids.length < 4 && !section.rids.some((r) => r.id === m[1])) section.rids.push({ id: m[1] as string, direction: m[2] as 'send' | 'recv' });
    } else if (name === 'sctp-port' || name === 'max-message-size') {
      const n = /^\d{1,10}$/.test(arg.trim()) ? Number(arg.trim()) : undefined;
      if (name === 'sctp-port') section.sctpPort = n !== undefined && n >= 1 && n <= 65535 ? n : undefined;
      else section.maxMessageSize = n;
    } else if (name === 'simulcast') {
      section.simulcast = arg.trim();
    } else if (name === 'msid') {
      const [stream, track] = arg.trim().split(/\s+/);
      if (stream && stream.length <= 128 && (track ?? '').length <= 128) section.msid = { stream, track: track ?? '' };
    } else if (name === 'rtcp-fb') {
      const m = /^(\d+|\*) (.+)$/.exec(arg);
      if (m) {
        const pt = m[1] === '*' ? -1 : Number(m[1]);
        const list = section.rtcpFb.get(pt) ?? [];
        if (list.length < 16) list.push((m[2] as string).trim());
        section.rtcpFb.set(pt, list);
      }
    }
  }
  return offer;
}

/** The codec each kind is answered with: Opus for audio, VP8 for video (RFC 7874 §3, RFC 7742 §5). */
const CODECS: Record<string, { encodingName: string; clockRate: number; fmtp?: string; rtcpFb: string[] }> = {
  audio: { encodingName: 'opus', clockRate: 48000, fmtp: 'minptime=10;useinbandfec=1', rtcpFb: [] },
  video: { encodingName: 'VP8', clockRate: 90000, rtcpFb: ['nack', 'nack pli', 'ccm fir'] },
};

/** RFC 8843 §9.1 needs the MID header extension for BUNDLE demultiplexing by mid. */
const MID_EXTENSION = 'urn:ietf:params:rtp-hdrext:sdes:mid';

export interface SdpAnswerOptions {
  iceParameters: IceParameters;
  fingerprint: DtlsFingerprint;
  /** The endpoint's one host candidate. */
  candidate: IceAddress;
}

export interface AnsweredMedia {
  mid: string;
  kind: string;
  /** Undefined for a rejected section (port 0). */
  payloadType: number | undefined;
  encodingName: string | undefined;
  direction: SdpDirection;
  /** The SSRCs the offer announced for this section (a=ssrc). */
  ssrcs: number[];
}

export interface SdpAnswer {
  sdp: string;
  media: AnsweredMedia[];
  remoteIceParameters: IceParameters;
  remoteFingerprint: DtlsFingerprint;
}

/**
 * Answers one client offer as the SFU's receiving side (RFC 8829 §5.3): ICE-lite, setup:passive (we are the DTLS
 * server), BUNDLE with rtcp-mux on one host candidate, Opus and VP8, recvonly. Everything else is rejected
 * with port 0 (RFC 8829 §5.3.1).
 */
export function createSdpAnswer(offerSdp: string | SdpOffer, options: SdpAnswerOptions): SdpAnswer {
  const offer = typeof offerSdp === 'string' ? parseSdpOffer(offerSdp) : offerSdp;
  // One 5-tuple for everything (RFC 8843): an offer that does not bundle would need a transport per section.
  if (offer.bundle.length === 0) throw new SdpError('NOT_BUNDLED', 'the offer has no a=group:BUNDLE');
  const media: AnsweredMedia[] = [];
  for (const [i, m] of offer.media.entries()) {
    const mid = m.mid ?? String(i);
    const codec = CODECS[m.kind];
    const payloadType = codec && m.protocol.includes('RTP') && offer.bundle.includes(mid) ? pickPayloadType(m, codec.encodingName, codec.clockRate) : undefined;
    const direction: SdpDirection = m.direction === 'sendrecv' || m.direction === 'sendonly' ? 'recvonly' : 'inactive';
    media.push({ mid, kind: m.kind, payloadType, encodingName: payloadType === undefined ? undefined : codec?.encodingName, direction, ssrcs: m.ssrcs });
  }
  const accepted = media.filter((m) => m.payloadType !== undefined);
  if (accepted.length === 0) throw new SdpError('NO_COMMON_CODEC', 'no bundled audio/video section offers Opus or VP8');
  const firstAccepted = offer.media[media.indexOf(accepted[0] as AnsweredMedia)] as SdpMediaSection;
  const iceUfrag = firstAccepted.iceUfrag ?? offer.iceUfrag;
  const icePwd = firstAccepted.icePwd ?? offer.icePwd;
  const fingerprint = firstAccepted.fingerprint ?? offer.fingerprint;
  if (!iceUfrag || !icePwd) throw new SdpError('NO_ICE_CREDENTIALS', 'the offer has no a=ice-ufrag/a=ice-pwd');
  if (!fingerprint) throw new SdpError('NO_FINGERPRINT', 'the offer has no a=fingerprint:sha-256');
  for (const m of accepted) {
    if (!offer.media[media.indexOf(m)]?.rtcpMux) throw new SdpError('NO_RTCP_MUX', `section ${m.mid} does not offer a=rtcp-mux (RFC 8829 §5.2.1 requires it)`);
  }

  const { address, port } = options.candidate;
  const lines = [
    'v=0',
    `o=- ${randomInt(1, 2 ** 47)} 2 IN IP4 ${address}`,
    's=-',
    't=0 0',
    // RFC 8445 §2.5: the lite agent says so; the browser then takes the controlling role.
    'a=ice-lite',
    `a=group:BUNDLE ${accepted.map((m) => m.mid).join(' ')}`,
  ];
  for (const [i, m] of media.entries()) {
    const offered = offer.media[i] as SdpMediaSection;
    if (m.payloadType === undefined) {
      // RFC 8829 §5.3.1: a rejected section keeps its kind, protocol and mid, with port 0.
      lines.push(`m=${offered.kind} 0 ${offered.protocol} ${offered.formats.join(' ') || '0'}`, 'c=IN IP4 0.0.0.0', `a=mid:${m.mid}`, 'a=inactive');
      continue;
    }
    const codec = CODECS[m.kind] as (typeof CODECS)[string];
    const rtpMap = offered.rtpMaps.get(m.payloadType) as SdpRtpMap;
    lines.push(
      `m=${m.kind} ${port} ${offered.protocol} ${m.payloadType}`,
      `c=IN IP4 ${address}`,
      `a=ice-ufrag:${options.iceParameters.usernameFragment}`,
      `a=ice-pwd:${options.iceParameters.password}`,
      `a=fingerprint:${options.fingerprint.algorithm} ${options.fingerprint.value}`,
      // RFC 8842 §5.3: the answerer to an actpass offer picks; we are the DTLS server.
      'a=setup:passive',
      `a=mid:${m.mid}`,
    );
    const midExt = offered.extMaps.find((e) => e.uri === MID_EXTENSION);
    if (midExt) lines.push(`a=extmap:${midExt.id} ${MID_EXTENSION}`);
    lines.push(`a=${m.direction}`, 'a=rtcp-mux');
    if (offered.rtcpRsize) lines.push('a=rtcp-rsize');
    lines.push(`a=rtpmap:${m.payloadType} ${rtpMap.encodingName}/${rtpMap.clockRate}${rtpMap.channels ? `/${rtpMap.channels}` : ''}`);
    for (const fb of codec.rtcpFb) lines.push(`a=rtcp-fb:${m.payloadType} ${fb}`);
    if (codec.fmtp) lines.push(`a=fmtp:${m.payloadType} ${codec.fmtp}`);
    // RFC 8839 §5.1: priority of a host candidate with type preference 126, local preference 65535, component 1.
    lines.push(`a=candidate:1 1 udp 2130706431 ${address} ${port} typ host`, 'a=end-of-candidates');
  }
  return { sdp: `${lines.join('\r\n')}\r\n`, media, remoteIceParameters: { usernameFragment: iceUfrag, password: icePwd }, remoteFingerprint: fingerprint };
}

function pickPayloadType(m: SdpMediaSection, encodingName: string, clockRate: number): number | undefined {
  for (const format of m.formats) {
    const pt = Number(format);
    const map = m.rtpMaps.get(pt);
    if (map && map.encodingName.toLowerCase() === encodingName.toLowerCase() && map.clockRate === clockRate) return pt;
  }
  return undefined;
}
