/**
 * Hand-built SDP for the bench's minimal WebRTC endpoint (RFC 8829 JSEP shapes, RFC 8843 BUNDLE, RFC 8839 ICE
 * attributes) and a small parser for what the servers answer or offer. Only Opus and VP8, one host candidate.
 */
import type { TrackKind } from './payload.ts';

export const OPUS_PT = 111;
export const VP8_PT = 96;
export const MID_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';
export const TWCC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
/** Our extension ids (RFC 8285 one-byte form, 1–14). */
export const MID_EXT_ID = 4;
export const TWCC_EXT_ID = 3;

export type Direction = 'sendonly' | 'recvonly' | 'sendrecv' | 'inactive';
export type DtlsSetup = 'actpass' | 'active' | 'passive';

export interface LocalSection {
  mid: string;
  kind: TrackKind;
  direction: Direction;
  /** Payload type to announce (the remote's, when answering). */
  payloadType: number;
  /** Extension ids by URI (ours when offering, the remote's when answering). */
  extensions: ReadonlyArray<{ id: number; uri: string }>;
  /** Sending sections: our SSRC, cname and msid. */
  ssrc?: number;
  /** False: answer this section rejected (port 0). */
  accepted?: boolean;
}

export interface LocalDescription {
  iceUfrag: string;
  icePwd: string;
  /** SHA-256 fingerprint, upper-case hex pairs with colons. */
  fingerprint: string;
  setup: DtlsSetup;
  candidate: { address: string; port: number };
  cname: string;
  sections: readonly LocalSection[];
}

/** RFC 8839 §5.1 host candidate priority: type preference 126, local preference 65535, component 1. */
const HOST_PRIORITY = 2130706431;

/** Feedback both servers understand and the bench negotiates for both alike (RFC 4585, RFC 5104, TWCC draft). */
function codecLines(kind: TrackKind, pt: number): string[] {
  if (kind === 'audio') return [`a=rtpmap:${pt} opus/48000/2`, `a=rtcp-fb:${pt} transport-cc`, `a=fmtp:${pt} minptime=10;useinbandfec=1`];
  return [`a=rtpmap:${pt} VP8/90000`, `a=rtcp-fb:${pt} transport-cc`, `a=rtcp-fb:${pt} ccm fir`, `a=rtcp-fb:${pt} nack`, `a=rtcp-fb:${pt} nack pli`];
}

export function buildSdp(d: LocalDescription): string {
  const accepted = d.sections.filter((s) => s.accepted !== false);
  const lines = ['v=0', `o=- ${Date.now()} 2 IN IP4 ${d.candidate.address}`, 's=-', 't=0 0', `a=group:BUNDLE ${accepted.map((s) => s.mid).join(' ')}`, 'a=msid-semantic: WMS *'];
  for (const s of d.sections) {
    if (s.accepted === false) {
      lines.push(`m=${s.kind} 0 UDP/TLS/RTP/SAVPF ${s.payloadType}`, 'c=IN IP4 0.0.0.0', `a=mid:${s.mid}`, 'a=inactive');
      continue;
    }
    lines.push(
      `m=${s.kind} ${d.candidate.port} UDP/TLS/RTP/SAVPF ${s.payloadType}`,
      `c=IN IP4 ${d.candidate.address}`,
      `a=ice-ufrag:${d.iceUfrag}`,
      `a=ice-pwd:${d.icePwd}`,
      `a=fingerprint:sha-256 ${d.fingerprint}`,
      `a=setup:${d.setup}`,
      `a=mid:${s.mid}`,
    );
    for (const e of s.extensions) lines.push(`a=extmap:${e.id} ${e.uri}`);
    lines.push(`a=${s.direction}`, 'a=rtcp-mux', 'a=rtcp-rsize', ...codecLines(s.kind, s.payloadType));
    if (s.ssrc !== undefined) {
      const msid = `bench-${d.cname} ${s.kind}-${s.mid}`;
      lines.push(`a=msid:${msid}`, `a=ssrc:${s.ssrc} cname:${d.cname}`, `a=ssrc:${s.ssrc} msid:${msid}`);
    }
    lines.push(`a=candidate:1 1 udp ${HOST_PRIORITY} ${d.candidate.address} ${d.candidate.port} typ host`, 'a=end-of-candidates');
  }
  return `${lines.join('\r\n')}\r\n`;
}

export interface RemoteSection {
  kind: string;
  port: number;
  mid: string | undefined;
  direction: Direction;
  formats: number[];
  /** Encoding name (lower case) by payload type. */
  rtpMaps: Map<number, string>;
  extMaps: Array<{ id: number; uri: string }>;
  ssrcs: number[];
}

export interface RemoteDescription {
  iceUfrag: string;
  icePwd: string;
  fingerprint: string;
  setup: DtlsSetup;
  iceLite: boolean;
  candidates: Array<{ address: string; port: number; priority: number }>;
  sections: RemoteSection[];
}

const DIRECTIONS = new Set(['sendonly', 'recvonly', 'sendrecv', 'inactive']);

/** Parses what a server sent; throws Error naming the first missing piece (no ICE credentials, fingerprint). */
export function parseSdp(sdp: string): RemoteDescription {
  let ufrag: string | undefined;
  let pwd: string | undefined;
  let fingerprint: string | undefined;
  let setup: DtlsSetup | undefined;
  let iceLite = false;
  const candidates: RemoteDescription['candidates'] = [];
  const sections: RemoteSection[] = [];
  let current: RemoteSection | undefined;
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      const [kind = '', port = '0', , ...formats] = line.slice(2).split(' ');
      current = { kind, port: Number(port), mid: undefined, direction: 'sendrecv', formats: formats.map(Number), rtpMaps: new Map(), extMaps: [], ssrcs: [] };
      sections.push(current);
      continue;
    }
    if (!line.startsWith('a=')) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line.slice(2) : line.slice(2, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1);
    if (name === 'ice-ufrag') ufrag ??= value;
    else if (name === 'ice-pwd') pwd ??= value;
    else if (name === 'ice-lite') iceLite = true;
    else if (name === 'fingerprint' && value.toLowerCase().startsWith('sha-256 ')) fingerprint ??= value.slice(8).trim().toUpperCase();
    else if (name === 'setup') setup ??= value as DtlsSetup;
    else if (name === 'candidate') {
      // RFC 8839 §5.1: foundation component transport priority address port "typ" type
      const [, component, transport = '', priority, address, port] = value.split(' ');
      if (component === '1' && transport.toLowerCase() === 'udp' && address && !address.includes(':')) candidates.push({ address, port: Number(port), priority: Number(priority) });
    } else if (current) {
      if (name === 'mid') current.mid = value;
      else if (DIRECTIONS.has(name)) current.direction = name as Direction;
      else if (name === 'rtpmap') {
        const [pt = '', enc = ''] = value.split(' ');
        current.rtpMaps.set(Number(pt), (enc.split('/')[0] ?? '').toLowerCase());
      } else if (name === 'extmap') {
        const [id = '', uri = ''] = value.split(' ');
        current.extMaps.push({ id: Number(id.split('/')[0]), uri });
      } else if (name === 'ssrc') {
        const ssrc = Number(value.split(' ')[0]);
        if (!current.ssrcs.includes(ssrc)) current.ssrcs.push(ssrc);
      }
    }
  }
  if (!ufrag || !pwd) throw new Error('remote SDP has no a=ice-ufrag/a=ice-pwd');
  if (!fingerprint) throw new Error('remote SDP has no a=fingerprint:sha-256');
  return { iceUfrag: ufrag, icePwd: pwd, fingerprint, setup: setup ?? 'actpass', iceLite, candidates, sections };
}

/** The payload type a remote section uses for our codec of that kind, or undefined. */
export function payloadTypeFor(section: RemoteSection, kind: TrackKind): number | undefined {
  const want = kind === 'audio' ? 'opus' : 'vp8';
  return section.formats.find((pt) => section.rtpMaps.get(pt) === want);
}

/**
 * Answers a server's offer (Janus subscribers): each audio/video section with our codec becomes recvonly with the
 * remote's payload type and the extensions we understand; others are rejected.
 */
export function answerSections(offer: RemoteDescription): LocalSection[] {
  return offer.sections.map((s, i) => {
    const kind: TrackKind = s.kind === 'audio' ? 'audio' : 'video';
    const pt = s.kind === 'audio' || s.kind === 'video' ? payloadTypeFor(s, kind) : undefined;
    const mid = s.mid ?? String(i);
    const extensions = s.extMaps.filter((e) => e.uri === MID_URI || e.uri === TWCC_URI);
    const accepted = pt !== undefined && s.port !== 0 && s.direction !== 'inactive' && s.direction !== 'recvonly';
    return { mid, kind, direction: 'recvonly', payloadType: pt ?? 0, extensions, accepted };
  });
}
