import { describe, expect, it } from 'vitest';
import { createSfuAnswer, parseSdpOffer } from '@parley/media';
import { MID_EXT_ID, MID_URI, OPUS_PT, TWCC_EXT_ID, TWCC_URI, VP8_PT, answerSections, buildSdp, parseSdp, payloadTypeFor, type LocalDescription } from './sdp.ts';

const EXT = [{ id: MID_EXT_ID, uri: MID_URI }, { id: TWCC_EXT_ID, uri: TWCC_URI }];
const base: Omit<LocalDescription, 'sections'> = {
  iceUfrag: 'abcd1234', icePwd: 'p'.repeat(24), fingerprint: Array.from({ length: 32 }, (_, i) => (i + 16).toString(16).toUpperCase()).join(':'), setup: 'actpass', candidate: { address: '127.0.0.1', port: 40000 }, cname: 'c1',
};

describe('buildSdp', () => {
  it('writes a bundled publisher offer that Parley parses: mids, directions, codecs, SSRCs, candidate', () => {
    const sdp = buildSdp({
      ...base,
      sections: [
        { mid: '0', kind: 'audio', direction: 'sendonly', payloadType: OPUS_PT, extensions: EXT, ssrc: 11 },
        { mid: '1', kind: 'video', direction: 'sendonly', payloadType: VP8_PT, extensions: EXT, ssrc: 22 },
      ],
    });
    const offer = parseSdpOffer(sdp);
    expect(offer.bundle).toEqual(['0', '1']);
    expect(offer.media.map((m) => [m.mid, m.kind, m.direction, m.ssrcs])).toEqual([['0', 'audio', 'sendonly', [11]], ['1', 'video', 'sendonly', [22]]]);
    expect(offer.media[1]?.rtpMaps.get(VP8_PT)?.encodingName).toBe('VP8');
    expect(offer.media[1]?.rtcpFb.get(VP8_PT)).toEqual(expect.arrayContaining(['nack', 'nack pli', 'ccm fir', 'transport-cc']));
    expect(sdp).toContain('a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host');
  });

  it('round-trips through the SFU answer and our parser (credentials, setup, candidate, lite)', () => {
    const sdp = buildSdp({ ...base, sections: [{ mid: '0', kind: 'video', direction: 'recvonly', payloadType: VP8_PT, extensions: EXT }] });
    const answer = createSfuAnswer({
      offer: sdp, publish: new Set(), subscribe: new Map([['0', { codec: { encodingName: 'VP8', clockRate: 90000 }, ssrc: 99, cname: 'x', streamId: 's', trackId: 't' }]]),
      iceParameters: { usernameFragment: 'srv1', password: 'q'.repeat(24) }, fingerprint: { algorithm: 'sha-256', value: 'EF:01' }, candidate: { address: '127.0.0.1', port: 5000 },
    });
    const parsed = parseSdp(answer.sdp);
    expect(parsed).toMatchObject({ iceUfrag: 'srv1', fingerprint: 'EF:01', setup: 'passive', iceLite: true, candidates: [{ address: '127.0.0.1', port: 5000 }] });
    expect(parsed.sections[0]).toMatchObject({ mid: '0', direction: 'sendonly', ssrcs: [99] });
  });

  it('rejects sections as port 0 and leaves them out of the bundle', () => {
    const sdp = buildSdp({ ...base, sections: [{ mid: '0', kind: 'audio', direction: 'recvonly', payloadType: OPUS_PT, extensions: [] }, { mid: '1', kind: 'video', direction: 'recvonly', payloadType: 0, extensions: [], accepted: false }] });
    expect(sdp).toContain('a=group:BUNDLE 0\r\n');
    expect(sdp).toContain('m=video 0 UDP/TLS/RTP/SAVPF 0');
  });
});

describe('parseSdp and answerSections (a Janus-style subscriber offer)', () => {
  const janusOffer = [
    'v=0', 'o=- 1 1 IN IP4 10.77.0.1', 's=VideoRoom', 't=0 0', 'a=group:BUNDLE 0 1 2', 'a=ice-options:trickle',
    'a=fingerprint:sha-256 aa:bb:cc', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 10.77.0.1', 'a=sendonly', 'a=mid:0', 'a=rtcp-mux',
    'a=ice-ufrag:jx', 'a=ice-pwd:jpwd', 'a=setup:actpass', 'a=rtpmap:111 opus/48000/2', 'a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid',
    'a=extmap:2/sendonly urn:ietf:params:rtp-hdrext:ssrc-audio-level', 'a=ssrc:1 cname:janus', 'a=ssrc:1 msid:janus janusa0',
    'a=candidate:1 1 udp 2015363327 10.77.0.1 20001 typ host', 'a=candidate:2 1 tcp 1 10.77.0.1 9 typ host', 'a=candidate:3 2 udp 1 10.77.0.1 20002 typ host',
    'm=video 9 UDP/TLS/RTP/SAVPF 100 101', 'a=mid:1', 'a=sendonly', 'a=rtpmap:100 VP8/90000', 'a=rtpmap:101 rtx/90000',
    `a=extmap:5 ${TWCC_URI}`, 'm=video 0 UDP/TLS/RTP/SAVPF 100', 'a=mid:2', 'a=inactive', 'a=rtpmap:100 VP8/90000', '',
  ].join('\r\n');

  it('reads session-level fingerprint (upper-cased), the first media-level credentials and only UDP component-1 candidates', () => {
    const d = parseSdp(janusOffer);
    expect(d).toMatchObject({ iceUfrag: 'jx', icePwd: 'jpwd', fingerprint: 'AA:BB:CC', setup: 'actpass', iceLite: false });
    expect(d.candidates).toEqual([{ address: '10.77.0.1', port: 20001, priority: 2015363327 }]);
    expect(payloadTypeFor(d.sections[1] as never, 'video')).toBe(100);
    expect(d.sections[0]?.extMaps.map((e) => e.id)).toEqual([1, 2]);
  });

  it('answers recvonly with the offered payload types and only the extensions we understand', () => {
    const a = answerSections(parseSdp(janusOffer));
    expect(a.map((s) => [s.mid, s.kind, s.payloadType, s.accepted])).toEqual([['0', 'audio', 111, true], ['1', 'video', 100, true], ['2', 'video', 100, false]]);
    expect(a[0]?.extensions).toEqual([{ id: 1, uri: MID_URI }]);
    expect(a[1]?.extensions).toEqual([{ id: 5, uri: TWCC_URI }]);
  });

  it('names what is missing', () => {
    expect(() => parseSdp('v=0\r\na=fingerprint:sha-256 AA\r\n')).toThrow(/ice-ufrag/);
    expect(() => parseSdp('v=0\r\na=ice-ufrag:x\r\na=ice-pwd:y\r\n')).toThrow(/fingerprint/);
  });
});
