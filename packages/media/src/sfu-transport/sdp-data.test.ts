import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SdpError, parseSdpOffer } from '../endpoint/sdp.ts';
import { dataOnlyOffer, withDataSection } from '../datachannel/offer.test-helper.ts';
import { createSfuAnswer, type SfuAnswerInput } from './sdp.ts';

const FIXTURE = readFileSync(new URL('../endpoint/fixtures/chrome-156-sfu-offer.sdp', import.meta.url), 'utf8');

const base: Omit<SfuAnswerInput, 'offer'> = {
  publish: new Set(['0']),
  subscribe: new Map(),
  iceParameters: { usernameFragment: 'srvU', password: 'server-password-0123456789' },
  fingerprint: { algorithm: 'sha-256', value: Array.from({ length: 32 }, () => 'AB').join(':') },
  candidate: { address: '127.0.0.1', port: 40000 },
  tcpCandidate: { address: '127.0.0.1', port: 40001 },
};

const sectionOf = (sdp: string, mid: string) => sdp.split(/\r\n(?=m=)/).find((p) => p.includes(`\r\na=mid:${mid}\r\n`)) ?? '';

describe('createSfuAnswer with data channels (RFC 8841)', () => {
  it('parses a=sctp-port and a=max-message-size of the offered m=application section', () => {
    const app = parseSdpOffer(withDataSection(FIXTURE)).media[4];
    expect(app).toMatchObject({ kind: 'application', protocol: 'UDP/DTLS/SCTP', formats: ['webrtc-datachannel'], mid: '4', sctpPort: 5000, maxMessageSize: 262144 });
  });

  it('accepts the offered data section, bundled with the media, with our SCTP port and a 64 KiB message limit', () => {
    const answer = createSfuAnswer({ ...base, offer: withDataSection(FIXTURE) });
    expect(answer.sections.map((s) => s.role)).toEqual(['publish', 'inactive', 'inactive', 'inactive', 'data']);
    expect(answer.sdp).toContain('a=group:BUNDLE 0 1 2 3 4\r\n');
    const data = sectionOf(answer.sdp, '4');
    expect(data.split('\r\n').slice(0, 1)).toEqual(['m=application 40000 UDP/DTLS/SCTP webrtc-datachannel']);
    for (const line of ['a=setup:passive', 'a=ice-ufrag:srvU', 'a=sctp-port:5000', 'a=max-message-size:65536', 'a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host', 'a=end-of-candidates']) expect(data).toContain(line);
    expect(data).toMatch(/a=candidate:2 1 tcp \d+ 127\.0\.0\.1 40001 typ host tcptype passive/);
    // No RTP attributes in an SCTP section (rtcp-mux does not apply to it).
    expect(data).not.toMatch(/rtcp-mux|rtpmap|sendonly|recvonly/);
  });

  it('answers an offer with nothing but data channels', () => {
    const answer = createSfuAnswer({ ...base, publish: new Set(), offer: dataOnlyOffer(FIXTURE) });
    expect(answer.sections.map((s) => s.role)).toEqual(['data']);
    expect(answer.sdp).toContain('a=group:BUNDLE 0\r\n');
    expect(answer.remoteIceParameters.usernameFragment).toBe('PPJy');
  });

  it('rejects a data section that is not bundled, or the legacy "DTLS/SCTP 5000" format (port 0)', () => {
    const unbundled = withDataSection(FIXTURE).replace('a=group:BUNDLE 0 1 2 3 4', 'a=group:BUNDLE 0 1 2 3');
    expect(createSfuAnswer({ ...base, offer: unbundled }).sections[4]?.role).toBe('rejected');
    const legacy = withDataSection(FIXTURE).replace('m=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'm=application 9 DTLS/SCTP 5000');
    const answer = createSfuAnswer({ ...base, offer: legacy });
    expect(answer.sections[4]?.role).toBe('rejected');
    expect(sectionOf(answer.sdp, '4')).toContain('m=application 0 DTLS/SCTP 5000');
    expect(answer.sdp).toContain('a=group:BUNDLE 0 1 2 3\r\n');
  });

  it('still refuses an offer with neither usable media nor data (NO_COMMON_CODEC)', () => {
    const offer = dataOnlyOffer(FIXTURE).replace('webrtc-datachannel', 'something-else');
    expect(() => createSfuAnswer({ ...base, publish: new Set(), offer })).toThrow(SdpError);
  });
});
