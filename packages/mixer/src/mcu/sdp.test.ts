import { describe, expect, it } from 'vitest';
import { offerReceives, offerSends, sdpSections, withBandwidth } from './sdp.ts';

const OFFER = ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=sendrecv', 'a=rtpmap:111 opus/48000/2',
  'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'b=AS:2000', 'a=mid:1', 'a=recvonly', 'a=rtpmap:96 VP8/90000',
  'm=video 0 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:2', 'a=rtpmap:96 VP8/90000', ''].join('\r\n');

describe('MCU SDP helpers', () => {
  it('reads each section\'s kind, mid and direction (sendrecv when absent, RFC 3264 §5.1)', () => {
    const s = sdpSections(OFFER);
    expect(s.map((x) => [x.kind, x.mid, x.direction, x.rejected])).toEqual([['audio', '0', 'sendrecv', false], ['video', '1', 'recvonly', false], ['video', '2', 'sendrecv', true]]);
    expect(s.map(offerSends)).toEqual([true, false, false]);
    expect(s.map(offerReceives)).toEqual([true, true, false]);
  });

  it('sets b=AS after the c= line of every section of a kind, replacing the old one', () => {
    const out = withBandwidth(OFFER, 'video', 800);
    expect(out.match(/b=AS:\d+/g)).toEqual(['b=AS:800', 'b=AS:800']);
    expect(out).toContain('c=IN IP4 0.0.0.0\r\nb=AS:800\r\na=mid:1');
    expect(out).toContain('a=mid:0\r\na=sendrecv'); // audio untouched
    expect(() => withBandwidth(OFFER, 'video', 0)).toThrow(RangeError);
  });
});
