/**
 * Cheap structural checks on SDP and ICE candidates, done by the server before it forwards
 * anything: junk never reaches another participant's RTCPeerConnection. These are not a full
 * parser; they catch what is not SDP at all (RFC 8866 §5: `<type>=<value>` lines, `v=0` first).
 */

export const MAX_SDP_BYTES = 60_000;
export const MAX_CANDIDATE_CHARS = 1024;

const SDP_LINE = /^[a-z]=[^\0]*$/;

/** Returns why `sdp` is not acceptable, or undefined when it is. */
export function checkSdp(sdp: string): string | undefined {
  if (sdp.length === 0) return 'empty SDP';
  if (sdp.length > MAX_SDP_BYTES) return `SDP longer than ${MAX_SDP_BYTES} characters`;
  const lines = sdp.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== 'v=0') return 'SDP must start with "v=0" (RFC 8866 §5.1)';
  let origin = false;
  let session = false;
  let media = 0;
  for (const [i, line] of lines.entries()) {
    if (!SDP_LINE.test(line)) return `line ${i + 1} is not "<type>=<value>"`;
    const t = line[0];
    if (t === 'o') origin = true;
    else if (t === 's') session = true;
    else if (t === 'm') {
      if (!/^m=(audio|video|application|text|message) \d+(\/\d+)? \S+( \S+)*$/.test(line)) return `line ${i + 1} is not a valid media line`;
      media++;
    }
  }
  if (!origin) return 'SDP has no o= line';
  if (!session) return 'SDP has no s= line';
  if (media === 0) return 'SDP has no media section';
  return undefined;
}

// RFC 8839 §5.1: candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP
// priority SP connection-address SP port SP cand-type ...
const CANDIDATE = /^candidate:[A-Za-z0-9+/]{1,32} \d{1,3} (udp|tcp|UDP|TCP) \d{1,10} [0-9A-Za-z.:%\-_]{1,255} \d{1,5} typ (host|srflx|prflx|relay)( [\x21-\x7e]+)*$/;

/** Returns why a trickled candidate line is not acceptable, or undefined. '' means end-of-candidates. */
export function checkCandidate(candidate: string): string | undefined {
  if (candidate === '') return undefined;
  if (candidate.length > MAX_CANDIDATE_CHARS) return `candidate longer than ${MAX_CANDIDATE_CHARS} characters`;
  if (!CANDIDATE.test(candidate)) return 'not an ICE candidate attribute (RFC 8839 §5.1)';
  return undefined;
}
