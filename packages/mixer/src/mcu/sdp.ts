/** What the MCU needs to know of an offer, and the one edit it makes to SDP (RFC 8866). */

export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpSection {
  kind: string;
  mid: string | undefined;
  /** RFC 3264 §5.1: without a direction attribute a section is sendrecv. */
  direction: SdpDirection;
  /** Port 0: the section is rejected or stopped (RFC 3264 §6). */
  rejected: boolean;
}

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

function splitSections(sdp: string): { session: string[]; media: string[][] } {
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  const session: string[] = [];
  const media: string[][] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) media.push([line]);
    else (media.at(-1) ?? session).push(line);
  }
  return { session, media };
}

/** The media sections of an SDP, in order (session-level direction attributes are not used by browsers). */
export function sdpSections(sdp: string): SdpSection[] {
  return splitSections(sdp).media.map((lines) => {
    const [kind = '', port = ''] = (lines[0] ?? '').slice(2).split(' ');
    const direction = lines.map((l) => l.slice(2)).find((a) => DIRECTIONS.has(a)) as SdpDirection | undefined;
    const mid = lines.find((l) => l.startsWith('a=mid:'))?.slice(6);
    return { kind, mid, direction: direction ?? 'sendrecv', rejected: port === '0' };
  });
}

/** Whether the offerer sends media in this section (so the answerer receives). */
export function offerSends(s: SdpSection): boolean {
  return !s.rejected && (s.direction === 'sendrecv' || s.direction === 'sendonly');
}

/** Whether the offerer receives media in this section. */
export function offerReceives(s: SdpSection): boolean {
  return !s.rejected && (s.direction === 'sendrecv' || s.direction === 'recvonly');
}

/**
 * Sets `b=AS:<kbps>` (RFC 8866 §5.8) in every section of `kind`, replacing any bandwidth line. In a
 * remote description it caps what the local side sends in that section; libwebrtc honours it.
 */
export function withBandwidth(sdp: string, kind: 'audio' | 'video', kbps: number): string {
  if (!(kbps > 0)) throw new RangeError(`bandwidth must be positive, got ${kbps} kbps`);
  const { session, media } = splitSections(sdp);
  const out = [...session];
  for (const lines of media) {
    if (!(lines[0] ?? '').startsWith(`m=${kind} `)) {
      out.push(...lines);
      continue;
    }
    const kept = lines.filter((l) => !l.startsWith('b=AS:') && !l.startsWith('b=TIAS:'));
    // b= goes after i= and c= (RFC 8866 §5 field order); c= is the line browsers always write.
    const c = kept.findIndex((l) => l.startsWith('c='));
    kept.splice(c >= 0 ? c + 1 : 1, 0, `b=AS:${Math.round(kbps)}`);
    out.push(...kept);
  }
  return `${out.join('\r\n')}\r\n`;
}
