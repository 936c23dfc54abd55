import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SdpError, parseSdpOffer } from '../endpoint/sdp.ts';
import { createSfuAnswer, type SfuAnswerInput } from './sdp.ts';

/** Chromium 156: audio + 3-layer simulcast video sendonly (mids 0, 1), audio + video recvonly (mids 2, 3). */
const OFFER = readFileSync(new URL('../endpoint/fixtures/chrome-156-sfu-offer.sdp', import.meta.url), 'utf8');

const base: Omit<SfuAnswerInput, 'publish' | 'subscribe'> = {
  offer: OFFER,
  iceParameters: { usernameFragment: 'srvU', password: 'server-password-0123456789' },
  fingerprint: { algorithm: 'sha-256', value: Array.from({ length: 32 }, () => 'AB').join(':') },
  candidate: { address: '127.0.0.1', port: 40000 },
};

function section(sdp: string, mid: string): string {
  const parts = sdp.split(/\r\nm=/);
  return parts.find((p) => p.includes(`\r\na=mid:${mid}\r\n`)) ?? '';
}

describe('createSfuAnswer', () => {
  it('parses the simulcast offer: rids, a=simulcast, msid and feedback', () => {
    const offer = parseSdpOffer(OFFER);
    const video = offer.media[1];
    expect(video?.rids.map((r) => r.id)).toEqual(['q', 'h', 'f']);
    expect(video?.simulcast).toBe('send q;h;f');
    expect(video?.msid?.stream).toMatch(/^[0-9a-f-]{36}$/);
    expect(video?.rtcpFb.get(96)).toContain('nack pli');
  });

  it('answers publishing sections recvonly with simulcast recv, and lists what the SFU must know', () => {
    const answer = createSfuAnswer({ ...base, publish: new Set(['0', '1']), subscribe: new Map() });
    const [audio, video, recvAudio, recvVideo] = answer.sections;
    expect(audio).toMatchObject({ role: 'publish', payloadType: 111, codec: { encodingName: 'opus' }, extensions: { mid: 4, audioLevel: 1, transportCc: 3 } });
    expect(video).toMatchObject({ role: 'publish', payloadType: 96, rtxPayloadType: 97, rids: ['q', 'h', 'f'], extensions: { mid: 4, rid: 10, repairedRid: 11, transportCc: 3 }, nack: true });
    // Receiving sections nobody asked to fill stay accepted but inactive, so their transceivers can be reused.
    expect(recvAudio?.role).toBe('inactive');
    expect(recvVideo?.role).toBe('inactive');
    const v = section(answer.sdp, '1');
    expect(v).toContain('a=recvonly');
    expect(v).toContain('a=rid:q recv\r\na=rid:h recv\r\na=rid:f recv\r\na=simulcast:recv q;h;f');
    expect(v).toContain('a=rtcp-fb:96 nack pli');
    expect(v).toContain('a=rtcp-fb:96 transport-cc');
    // RTX for the publisher's VP8 (RFC 4588): its retransmissions and padding come on their own SSRCs, each
    // layer's named by repaired-rtp-stream-id.
    expect(v).toMatch(/^video 40000 UDP\/TLS\/RTP\/SAVPF 96 97\r\n/);
    expect(v).toContain('a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n');
    expect(v).toContain('a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id');
    expect(v).not.toContain('a=rtcp-fb:97');
    expect(answer.sdp).toContain('a=group:BUNDLE 0 1 2 3');
    expect(answer.sdp).toContain('a=ice-lite');
    expect(answer.remoteIceParameters.usernameFragment).toBe('PPJy');
  });

  it('answers RTX only with NACK, and for simulcast only with repaired-rtp-stream-id', () => {
    const publish = (offer: string) => createSfuAnswer({ ...base, offer, publish: new Set(['1']), subscribe: new Map() });
    const noNack = publish(OFFER.replaceAll('a=rtcp-fb:96 nack\r\n', ''));
    expect(noNack.sections[1]).toMatchObject({ rtxPayloadType: undefined, nack: false });
    expect(section(noNack.sdp, '1')).not.toContain('rtx');
    const noRepairedRid = publish(OFFER.replaceAll(/a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n/g, ''));
    expect(noRepairedRid.sections[1]).toMatchObject({ rtxPayloadType: undefined, rids: ['q', 'h', 'f'] });
    expect(section(noRepairedRid.sdp, '1')).not.toContain('rtx');
    // One encoding (no simulcast): RTX is told apart by its payload type; no repaired-rtp-stream-id to answer.
    const single = publish(OFFER.replaceAll(/a=(rid:[qhf] send|simulcast:send q;h;f)\r\n/g, ''));
    expect(single.sections[1]).toMatchObject({ rtxPayloadType: 97, rids: undefined });
    expect(single.sections[1]?.extensions.repairedRid).toBeUndefined();
    expect(section(single.sdp, '1')).toContain('a=fmtp:97 apt=96');
  });

  it('answers subscribing sections sendonly with our SSRC and the publisher\'s stream id', () => {
    const plan = { codec: { encodingName: 'VP8', clockRate: 90000 }, ssrc: 12345678, cname: 'sfu', streamId: 'alice-stream', trackId: 'p1' };
    const answer = createSfuAnswer({ ...base, publish: new Set(), subscribe: new Map([['3', plan]]) });
    expect(answer.sections[3]).toMatchObject({ role: 'subscribe', payloadType: 96, extensions: { transportCc: 3 } });
    const v = section(answer.sdp, '3');
    expect(v).toContain('a=sendonly');
    // Toward subscribers no RTX: our retransmissions go on the media SSRC.
    expect(v).not.toContain('rtx');
    expect(v).toContain('a=msid:alice-stream p1');
    expect(v).toContain('a=ssrc:12345678 cname:sfu');
    // A sending section offered by the client but not published is inactive, not recvonly.
    expect(section(answer.sdp, '1')).toContain('a=inactive');
  });

  it('refuses offers it cannot answer with stable codes', () => {
    const unbundled = OFFER.replace(/a=group:BUNDLE[^\r\n]*\r?\n/, '');
    expect(() => createSfuAnswer({ ...base, offer: unbundled, publish: new Set(['0']), subscribe: new Map() })).toThrow(SdpError);
    const noCodec = OFFER.replaceAll('opus/48000/2', 'speex/48000').replaceAll('VP8/90000', 'XYZ/90000').replaceAll(/VP9|H264|AV1/g, 'ZZZ');
    try {
      createSfuAnswer({ ...base, offer: noCodec, publish: new Set(['0', '1']), subscribe: new Map() });
      expect.unreachable();
    } catch (err) {
      expect((err as SdpError).code).toBe('NO_COMMON_CODEC');
    }
  });
  it('offers a passive ICE-TCP candidate of lower priority than the UDP one when the endpoint has a TCP port', () => {
    const withTcp = createSfuAnswer({ ...base, tcpCandidate: { address: '127.0.0.1', port: 40001, transport: 'tcp' }, publish: new Set(['0']), subscribe: new Map() });
    const lines = section(withTcp.sdp, '0').split('\r\n').filter((l) => l.startsWith('a=candidate:'));
    expect(lines).toHaveLength(2);
    const [udp, tcp] = lines.map((l) => l.split(' '));
    expect(tcp?.[2]).toBe('tcp');
    expect(tcp?.slice(4)).toEqual(['127.0.0.1', '40001', 'typ', 'host', 'tcptype', 'passive']);
    expect(Number(tcp?.[3])).toBeLessThan(Number(udp?.[3]));
    const udpOnly = createSfuAnswer({ ...base, publish: new Set(['0']), subscribe: new Map() });
    expect(udpOnly.sdp).not.toContain(' tcp ');
  });
});
