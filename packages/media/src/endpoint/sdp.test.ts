import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SdpError, createSdpAnswer, parseSdpOffer } from './sdp.ts';

/** Written by HeadlessChrome 156 (fake camera + mic, addTrack ×2, max-bundle) in a loopback-only namespace. */
const CHROME_OFFER = readFileSync(new URL('./fixtures/chrome-156-offer.sdp', import.meta.url), 'utf8');

const OPTIONS = {
  iceParameters: { usernameFragment: 'SFUu', password: 'sfu-password-0123456789ab' },
  fingerprint: { algorithm: 'sha-256' as const, value: 'AB:'.repeat(31) + 'CD' },
  candidate: { address: '198.18.0.10', port: 40000 },
};

function sectionOf(sdp: string, mid: string): string[] {
  const sections = sdp.split(/\r\nm=/).slice(1);
  const found = sections.find((s) => s.includes(`\r\na=mid:${mid}\r\n`));
  if (!found) throw new Error(`no section with mid ${mid}`);
  return `m=${found}`.split('\r\n').filter((l) => l.length > 0);
}

const errorCode = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SdpError);
    return (err as SdpError).code;
  }
  throw new Error('expected an SdpError');
};

describe('parseSdpOffer on a real Chrome offer', () => {
  it('finds BUNDLE, both sections, ICE credentials, the fingerprint, codecs and SSRCs', () => {
    const offer = parseSdpOffer(CHROME_OFFER);
    expect(offer.bundle).toEqual(['0', '1']);
    expect(offer.media.map((m) => [m.kind, m.mid, m.direction, m.rtcpMux])).toEqual([
      ['audio', '0', 'sendrecv', true],
      ['video', '1', 'sendrecv', true],
    ]);
    const [audio, video] = offer.media;
    expect(audio?.iceUfrag).toBe('lvl6');
    expect(audio?.icePwd).toBe('mf2yLcPQwemgMCkWS4/a8Og7');
    expect(audio?.fingerprint?.value).toMatch(/^DF:AA:7C:/);
    expect(audio?.rtpMaps.get(111)).toEqual({ encodingName: 'opus', clockRate: 48000, channels: 2 });
    expect(video?.rtpMaps.get(96)).toEqual({ encodingName: 'VP8', clockRate: 90000, channels: undefined });
    expect(video?.fmtp.get(97)).toBe('apt=96');
    expect(audio?.ssrcs).toEqual([2865044249]);
    expect(video?.ssrcs).toEqual([2120320739, 3798148518]);
    expect(video?.extMaps).toContainEqual({ id: 4, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' });
  });
});

describe('createSdpAnswer', () => {
  it('answers Chrome: ice-lite, BUNDLE, rtcp-mux, setup:passive, our fingerprint, one host candidate, Opus + VP8 recvonly', () => {
    const answer = createSdpAnswer(CHROME_OFFER, OPTIONS);
    const lines = answer.sdp.split('\r\n');
    expect(answer.sdp.endsWith('\r\n')).toBe(true);
    expect(lines.slice(0, 4)).toEqual(['v=0', expect.stringMatching(/^o=- \d+ 2 IN IP4 198\.18\.0\.10$/), 's=-', 't=0 0']);
    expect(lines).toContain('a=ice-lite');
    expect(lines).toContain('a=group:BUNDLE 0 1');
    expect(answer.media).toEqual([
      { mid: '0', kind: 'audio', payloadType: 111, encodingName: 'opus', direction: 'recvonly', ssrcs: [2865044249] },
      { mid: '1', kind: 'video', payloadType: 96, encodingName: 'VP8', direction: 'recvonly', ssrcs: [2120320739, 3798148518] },
    ]);
    expect(answer.remoteIceParameters).toEqual({ usernameFragment: 'lvl6', password: 'mf2yLcPQwemgMCkWS4/a8Og7' });
    expect(answer.remoteFingerprint.value).toMatch(/^DF:AA:7C:87/);

    const audio = sectionOf(answer.sdp, '0');
    expect(audio[0]).toBe('m=audio 40000 UDP/TLS/RTP/SAVPF 111');
    expect(audio).toEqual(
      expect.arrayContaining([
        'c=IN IP4 198.18.0.10',
        'a=ice-ufrag:SFUu',
        'a=ice-pwd:sfu-password-0123456789ab',
        `a=fingerprint:sha-256 ${OPTIONS.fingerprint.value}`,
        'a=setup:passive',
        'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
        'a=recvonly',
        'a=rtcp-mux',
        'a=rtcp-rsize',
        'a=rtpmap:111 opus/48000/2',
        'a=fmtp:111 minptime=10;useinbandfec=1',
        'a=candidate:1 1 udp 2130706431 198.18.0.10 40000 typ host',
        'a=end-of-candidates',
      ]),
    );
    const video = sectionOf(answer.sdp, '1');
    expect(video[0]).toBe('m=video 40000 UDP/TLS/RTP/SAVPF 96');
    expect(video).toEqual(expect.arrayContaining(['a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 nack', 'a=rtcp-fb:96 nack pli', 'a=rtcp-fb:96 ccm fir', 'a=recvonly']));
    // Only what we answer: no RTX, no H.264, no transport-cc (we send no TWCC feedback yet).
    expect(answer.sdp).not.toMatch(/rtx|H264|transport-cc|sendrecv|a=ssrc/);
  });

  it('rejects a data channel and an H.264-only video section with port 0 and leaves them out of BUNDLE', () => {
    const withExtras = CHROME_OFFER.replace('a=group:BUNDLE 0 1', 'a=group:BUNDLE 0 1 2 3')
      + ['m=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', 'a=mid:2', 'a=sctp-port:5000', '']
        .join('\r\n')
      + ['m=video 9 UDP/TLS/RTP/SAVPF 102', 'c=IN IP4 0.0.0.0', 'a=mid:3', 'a=sendonly', 'a=rtcp-mux', 'a=rtpmap:102 H264/90000', ''].join('\r\n');
    const answer = createSdpAnswer(withExtras, OPTIONS);
    expect(answer.sdp).toContain('a=group:BUNDLE 0 1\r\n');
    expect(sectionOf(answer.sdp, '2')).toEqual(['m=application 0 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', 'a=mid:2', 'a=inactive']);
    expect(sectionOf(answer.sdp, '3')[0]).toBe('m=video 0 UDP/TLS/RTP/SAVPF 102');
    expect(answer.media.map((m) => m.payloadType)).toEqual([111, 96, undefined, undefined]);
  });

  it('a recvonly or inactive offer is answered inactive: the SFU has nothing to send on this transport', () => {
    const answer = createSdpAnswer(CHROME_OFFER.replaceAll('a=sendrecv', 'a=recvonly'), OPTIONS);
    expect(answer.media.map((m) => m.direction)).toEqual(['inactive', 'inactive']);
  });

  it('fails with a coded SdpError on offers it cannot answer', () => {
    expect(errorCode(() => parseSdpOffer('hello'))).toBe('MALFORMED');
    expect(errorCode(() => parseSdpOffer('v=0\r\nthis is not sdp'))).toBe('MALFORMED');
    expect(errorCode(() => parseSdpOffer('v=0\r\nm=audio x RTP/AVP 0'))).toBe('MALFORMED');
    expect(errorCode(() => createSdpAnswer(CHROME_OFFER.replace(/a=ice-pwd:.*\r\n/g, ''), OPTIONS))).toBe('NO_ICE_CREDENTIALS');
    expect(errorCode(() => createSdpAnswer(CHROME_OFFER.replace(/a=fingerprint:.*\r\n/g, ''), OPTIONS))).toBe('NO_FINGERPRINT');
    expect(errorCode(() => createSdpAnswer(CHROME_OFFER.replace(/a=rtcp-mux\r\n/g, ''), OPTIONS))).toBe('NO_RTCP_MUX');
    expect(errorCode(() => createSdpAnswer(CHROME_OFFER.replace('a=group:BUNDLE 0 1', ''), OPTIONS))).toBe('NOT_BUNDLED');
    expect(errorCode(() => createSdpAnswer(CHROME_OFFER.replace(/opus|VP8/g, 'nope'), OPTIONS))).toBe('NO_COMMON_CODEC');
  });
});
