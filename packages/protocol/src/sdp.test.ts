import { describe, expect, it } from 'vitest';
import { checkCandidate, checkSdp, MAX_CANDIDATE_CHARS, MAX_SDP_BYTES } from './sdp.ts';

/** An offer as Chrome writes it (audio + video + data channel, trimmed of most codecs). */
const CHROME_OFFER = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1 2',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS 6b5b1c3e-6f4e-4b5e-9a3c-3c2f0b1e8a7d',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:Xq3N',
  'a=ice-pwd:2b5c3kWJ8mHq0fN1xY7pQe4R',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08',
  'a=setup:actpass',
  'a=mid:0',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=sendrecv',
  'a=msid:6b5b1c3e-6f4e-4b5e-9a3c-3c2f0b1e8a7d 0c9d7a3e-1f2b-4c5d-8e9f-a0b1c2d3e4f5',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=ssrc:1001 cname:zX2c9Yb1Qw',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:Xq3N',
  'a=ice-pwd:2b5c3kWJ8mHq0fN1xY7pQe4R',
  'a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08',
  'a=setup:actpass',
  'a=mid:1',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=rtcp-rsize',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:96 nack pli',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'a=ssrc-group:FID 2002 2003',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:Xq3N',
  'a=ice-pwd:2b5c3kWJ8mHq0fN1xY7pQe4R',
  'a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08',
  'a=setup:actpass',
  'a=mid:2',
  'a=sctp-port:5000',
  'a=max-message-size:262144',
  '',
].join('\r\n');

describe('checkSdp', () => {
  it('accepts a real Chrome offer (CRLF, trailing line break)', () => {
    expect(checkSdp(CHROME_OFFER)).toBeUndefined();
  });

  it('accepts LF line endings and no trailing line break', () => {
    expect(checkSdp(CHROME_OFFER.replaceAll('\r\n', '\n').trimEnd())).toBeUndefined();
  });

  it('rejects an empty SDP', () => {
    expect(checkSdp('')).toMatch(/empty/);
  });

  it('rejects SDP over the size limit', () => {
    expect(checkSdp(CHROME_OFFER + 'a=x\r\n'.repeat(MAX_SDP_BYTES / 4))).toMatch(/longer/);
  });

  it('rejects text that is not SDP', () => {
    for (const junk of ['hello world', '<html></html>', '{"sdp":"v=0"}', 'v=1\r\ns=-']) expect(checkSdp(junk)).toBeDefined();
  });

  it('rejects SDP whose first line is not v=0', () => {
    expect(checkSdp(CHROME_OFFER.replace('v=0\r\n', ''))).toMatch(/v=0/);
    expect(checkSdp(`o=- 1 2 IN IP4 127.0.0.1\r\n${CHROME_OFFER}`)).toMatch(/v=0/);
  });

  it('rejects SDP without a media section', () => {
    expect(checkSdp('v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n')).toMatch(/media/);
  });

  it('rejects SDP without o= or s=', () => {
    expect(checkSdp(CHROME_OFFER.replace(/o=[^\r]*\r\n/, ''))).toMatch(/o=/);
    expect(checkSdp(CHROME_OFFER.replace('s=-\r\n', ''))).toMatch(/s=/);
  });

  it('rejects a line that is not <type>=<value>, naming it', () => {
    expect(checkSdp(CHROME_OFFER.replace('a=mid:1', 'mid:1'))).toMatch(/^line \d+ is not/);
    expect(checkSdp(CHROME_OFFER.replace('a=mid:1', 'A=mid:1'))).toMatch(/line/);
    expect(checkSdp(CHROME_OFFER.replace('a=mid:1', 'a=mid:\u00001'))).toMatch(/line/);
    expect(checkSdp(CHROME_OFFER.replace('a=mid:1', ''))).toMatch(/line/);
  });

  it('rejects a malformed media line', () => {
    expect(checkSdp(CHROME_OFFER.replace('m=video 9 UDP/TLS/RTP/SAVPF 96 97', 'm=video nine UDP/TLS/RTP/SAVPF 96'))).toMatch(/media line/);
    expect(checkSdp(CHROME_OFFER.replace('m=video 9 UDP/TLS/RTP/SAVPF 96 97', 'm=hologram 9 RTP/AVP 0'))).toMatch(/media line/);
    expect(checkSdp(CHROME_OFFER.replace('m=video 9 UDP/TLS/RTP/SAVPF 96 97', 'm=video 9'))).toMatch(/media line/);
  });
});

describe('checkCandidate', () => {
  const valid = [
    'candidate:842163049 1 udp 2122260223 192.168.1.23 54400 typ host generation 0 ufrag Xq3N network-id 1',
    'candidate:3098175849 1 udp 2122262783 2001:db8::1 55322 typ host generation 0',
    'candidate:1967890452 1 udp 2122129151 3e2b8c64-1f3a-4d2b-9c1e-0a1b2c3d4e5f.local 61234 typ host generation 0 network-cost 999',
    'candidate:4234997325 1 udp 1686052607 203.0.113.7 61234 typ srflx raddr 192.168.1.23 rport 54400 generation 0',
    'candidate:1234567890 1 udp 41885439 198.51.100.9 3478 typ relay raddr 203.0.113.7 rport 61234 generation 0',
    'candidate:1606214337 1 tcp 1518280447 192.168.1.23 9 typ host tcptype active generation 0',
    'candidate:2 1 TCP 2105458943 10.0.0.5 443 typ host tcptype passive',
    'candidate:abc+/ 2 UDP 1 10.0.0.5 1 typ prflx',
  ];
  it('accepts real host, srflx, relay and TCP candidates', () => {
    for (const c of valid) expect(checkCandidate(c), c).toBeUndefined();
  });

  it("accepts '' (end of candidates)", () => {
    expect(checkCandidate('')).toBeUndefined();
  });

  it('rejects junk', () => {
    const junk = [
      'hello',
      'a=candidate:842163049 1 udp 2122260223 192.168.1.23 54400 typ host',
      'candidate:842163049 1 udp 2122260223 192.168.1.23 54400 typ bogus',
      'candidate:842163049 1 sctp 2122260223 192.168.1.23 54400 typ host',
      'candidate:842163049 1 udp 2122260223 192.168.1.23 typ host',
      'candidate:842163049 1 udp 2122260223 192.168.1.23 54400 typ host\r\na=evil',
      'candidate:842163049 1 udp 2122260223 <script> 54400 typ host',
      'candidate: 1 udp 2122260223 192.168.1.23 54400 typ host',
    ];
    for (const c of junk) expect(checkCandidate(c), c).toBeDefined();
  });

  it('rejects a candidate over the length limit', () => {
    const long = `${valid[0]} ${'x'.repeat(MAX_CANDIDATE_CHARS)}`;
    expect(checkCandidate(long)).toMatch(/longer/);
  });
});
