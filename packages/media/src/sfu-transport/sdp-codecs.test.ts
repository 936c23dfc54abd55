import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSdpOffer } from '../endpoint/sdp.ts';
import { compatibleCodec, h264ProfileClass, pickPublishCodec } from './codecs.ts';
import { createSfuAnswer, type SfuAnswerInput, type SubscribePlan } from './sdp.ts';

/** Chromium 156: audio + 3-layer simulcast video sendonly (mids 0, 1), audio + video recvonly (mids 2, 3). */
const OFFER = readFileSync(new URL('../endpoint/fixtures/chrome-156-sfu-offer.sdp', import.meta.url), 'utf8');

const base: Omit<SfuAnswerInput, 'offer' | 'publish' | 'subscribe'> = {
  iceParameters: { usernameFragment: 'srvU', password: 'server-password-0123456789' },
  fingerprint: { algorithm: 'sha-256', value: Array.from({ length: 32 }, () => 'AB').join(':') },
  candidate: { address: '127.0.0.1', port: 40000 },
};

/** Applies `edit` to the media section with this mid (its m= line through the line before the next m=). */
function editSection(sdp: string, mid: string, edit: (section: string) => string): string {
  const parts = sdp.split(/(?=\r\nm=)/);
  return parts.map((p) => (p.includes(`\r\na=mid:${mid}\r\n`) ? edit(p) : p)).join('');
}

/** What RTCRtpTransceiver.setCodecPreferences does to the offer: these payload types first, in this order. */
function preferFirst(sdp: string, mid: string, pts: number[]): string {
  return editSection(sdp, mid, (s) => s.replace(/(m=video \d+ \S+) ([\d ]+)/, (_, head: string, formats: string) => {
    const rest = formats.split(' ').filter((f) => !pts.includes(Number(f)));
    return `${head} ${[...pts, ...rest].join(' ')}`;
  }));
}

function section(sdp: string, mid: string): string {
  return sdp.split(/\r\nm=/).find((p) => p.includes(`\r\na=mid:${mid}\r\n`)) ?? '';
}

const publishVideo = (offer: string) => createSfuAnswer({ ...base, offer, publish: new Set(['1']), subscribe: new Map() });
const subscribeVideo = (offer: string, codec: SubscribePlan['codec']) => {
  const plan: SubscribePlan = { codec, ssrc: 1234, cname: 'sfu', streamId: 's', trackId: 't' };
  return createSfuAnswer({ ...base, offer, publish: new Set(), subscribe: new Map([['3', plan]]) });
};
const H264_CB = 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f';

describe('video codec negotiation: publish', () => {
  it('keeps VP8 when the publisher lists it first (the browser default)', () => {
    const answer = publishVideo(OFFER);
    expect(answer.sections[1]).toMatchObject({ role: 'publish', payloadType: 96, codec: { encodingName: 'VP8', clockRate: 90000 } });
    expect(answer.sections[1]?.codec?.fmtp).toBeUndefined();
  });

  it('answers VP9 when the publisher offers VP9 first, mirroring its profile-id', () => {
    const answer = publishVideo(preferFirst(OFFER, '1', [98, 99]));
    expect(answer.sections[1]).toMatchObject({ role: 'publish', payloadType: 98, codec: { encodingName: 'VP9', fmtp: 'profile-id=0' }, rids: ['q', 'h', 'f'] });
    const v = section(answer.sdp, '1');
    expect(v).toMatch(/^video 40000 UDP\/TLS\/RTP\/SAVPF 98 99\r\n/);
    expect(v).toContain('a=rtpmap:99 rtx/90000\r\na=fmtp:99 apt=98\r\n');
    expect(v).toContain('a=rtpmap:98 VP9/90000\r\n');
    expect(v).toContain('a=fmtp:98 profile-id=0\r\n');
    expect(v).toContain('a=rtcp-fb:98 nack pli');
    expect(v).toContain('a=simulcast:recv q;h;f');
  });

  it('answers H.264 with packetization-mode=1 only, mirroring the publisher\'s fmtp (profile-level-id)', () => {
    // The publisher prefers H.264 in mode 0 (104), then mode 1 (108): mode 0 cannot carry large frames, so 108.
    const answer = publishVideo(preferFirst(OFFER, '1', [104, 108]));
    expect(answer.sections[1]).toMatchObject({ role: 'publish', payloadType: 108, codec: { encodingName: 'H264', fmtp: H264_CB } });
    expect(section(answer.sdp, '1')).toContain(`a=fmtp:108 ${H264_CB}\r\n`);
  });

  it('skips codecs the SFU does not forward (AV1, RED, RTX) and falls back to the next one offered', () => {
    const answer = publishVideo(preferFirst(OFFER, '1', [45, 118, 97, 100]));
    // VP9 profile 2 (10-bit) is forwarded like profile 0; subscribers must offer the same profile.
    expect(answer.sections[1]).toMatchObject({ payloadType: 100, codec: { encodingName: 'VP9', fmtp: 'profile-id=2' } });
  });
});

describe('video codec negotiation: subscribe', () => {
  it('uses the subscriber\'s own payload type and fmtp for the producer\'s codec', () => {
    const answer = subscribeVideo(OFFER, { encodingName: 'VP9', clockRate: 90000, fmtp: 'profile-id=0' });
    expect(answer.sections[3]).toMatchObject({ role: 'subscribe', payloadType: 98, codecMismatch: false });
    const v = section(answer.sdp, '3');
    expect(v).toContain('a=sendonly');
    expect(v).toContain('a=fmtp:98 profile-id=0');
  });

  it('matches H.264 by packetization mode and profile: 42e01f and 42001f are both constrained baseline', () => {
    const answer = subscribeVideo(OFFER, { encodingName: 'H264', clockRate: 90000, fmtp: H264_CB });
    // Its first compatible format: 102 (mode 1, 42001f), not 104 (mode 0).
    expect(answer.sections[3]).toMatchObject({ role: 'subscribe', payloadType: 102 });
    expect(section(answer.sdp, '3')).toContain('a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f');
    const main = subscribeVideo(OFFER, { encodingName: 'H264', clockRate: 90000, fmtp: 'packetization-mode=1;profile-level-id=4d001f' });
    expect(main.sections[3]).toMatchObject({ role: 'subscribe', payloadType: 116 });
  });

  it('answers a subscriber that cannot decode the producer\'s codec inactive, flagged, with a codec of its own offer', () => {
    const noH264 = editSection(OFFER, '3', (s) => s.replaceAll('H264/90000', 'XYZ/90000'));
    const answer = subscribeVideo(noH264, { encodingName: 'H264', clockRate: 90000, fmtp: H264_CB });
    expect(answer.sections[3]).toMatchObject({ role: 'inactive', codecMismatch: true, payloadType: 96 });
    const v = section(answer.sdp, '3');
    expect(v).toContain('a=inactive');
    expect(v).not.toContain('a=ssrc');
    expect(v).not.toContain('a=msid');
    // Accepted (not port 0): the client keeps the transceiver for a later subscription.
    expect(v).toMatch(/^video 40000 /);
    const vp9Profile2 = subscribeVideo(editSection(OFFER, '3', (s) => s.replaceAll('profile-id=2', 'profile-id=9')), { encodingName: 'VP9', clockRate: 90000, fmtp: 'profile-id=2' });
    expect(vp9Profile2.sections[3]).toMatchObject({ role: 'inactive', codecMismatch: true });
  });
});

describe('codec helpers', () => {
  it('classes H.264 profiles (RFC 6184 §8.1) and refuses malformed profile-level-ids', () => {
    expect(h264ProfileClass('42e01f')).toBe('baseline');
    expect(h264ProfileClass('42001f')).toBe('baseline');
    expect(h264ProfileClass('4d801f')).toBe('baseline'); // Main with constraint_set1: constrained baseline
    expect(h264ProfileClass('4d001f')).toBe('idc-77');
    expect(h264ProfileClass('640c1f')).toBe('idc-100');
    for (const bad of [undefined, '', '42e0', '42e01fz', 'zzzzzz']) expect(h264ProfileClass(bad)).toBeUndefined();
  });

  it('treats missing parameters as their RFC defaults', () => {
    expect(compatibleCodec({ encodingName: 'VP9', clockRate: 90000 }, { encodingName: 'VP9', clockRate: 90000, fmtp: 'profile-id=0' })).toBe(true);
    // packetization-mode defaults to 0 (RFC 6184 §8.1).
    expect(compatibleCodec({ encodingName: 'H264', clockRate: 90000, fmtp: H264_CB }, { encodingName: 'H264', clockRate: 90000, fmtp: 'profile-level-id=42e01f' })).toBe(false);
  });

  it('finds no publish codec in a section without VP8, VP9 or H.264 mode 1', () => {
    const offer = parseSdpOffer(OFFER.replaceAll(/VP8|VP9|packetization-mode=1/g, (m) => (m === 'packetization-mode=1' ? 'packetization-mode=0' : 'XYZ')));
    expect(pickPublishCodec(offer.media[1]!)).toBeUndefined();
  });
});
