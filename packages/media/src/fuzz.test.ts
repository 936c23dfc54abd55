import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MediaDecodeError, SrtpError } from './errors.ts';
import { classifyPacket } from './demux.ts';
import { ONE_BYTE_PROFILE, TWO_BYTE_PROFILE, parseExtensionElements } from './rtp-extensions.ts';
import { type RtpPacket, parseRtp, rewriteRtp, rtpHeaderLength, serializeRtp } from './rtp.ts';
import { type RtcpPacket, parseRtcp, serializeRtcp } from './rtcp.ts';
import { SRTP_PROFILES, SrtpSession, type SrtpProfile } from './srtp/index.ts';
import { unwrapRtx } from './rtx.ts';

/** Runs `fn`; only the expected error class may escape, and it must carry a code. */
function only(errorClass: typeof MediaDecodeError | typeof SrtpError, fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof errorClass)) throw err;
    expect(typeof err.code).toBe('string');
  }
}

const PROFILES = Object.keys(SRTP_PROFILES) as SrtpProfile[];
const receivers = PROFILES.map((profile) => {
  const p = SRTP_PROFILES[profile];
  return new SrtpSession({ profile, masterKey: Buffer.alloc(p.keyLength, 1), masterSalt: Buffer.alloc(p.saltLength, 2) });
});

function exercise(bytes: Uint8Array): void {
  const buf = Buffer.from(bytes);
  classifyPacket(buf); // never throws
  only(MediaDecodeError, () => rtpHeaderLength(buf));
  only(MediaDecodeError, () => {
    const p = parseRtp(buf);
    // Whatever parses must serialize again without a crash.
    serializeRtp(p);
  });
  only(MediaDecodeError, () => rewriteRtp(buf, { ssrc: 1, sequenceNumber: 2, timestamp: 3 }));
  only(MediaDecodeError, () => unwrapRtx(buf, { ssrc: 1, payloadType: 96 }));
  only(MediaDecodeError, () => parseExtensionElements(ONE_BYTE_PROFILE, buf));
  only(MediaDecodeError, () => parseExtensionElements(TWO_BYTE_PROFILE, buf));
  only(MediaDecodeError, () => parseRtcp(buf));
  for (const rx of receivers) {
    only(SrtpError, () => rx.unprotectRtp(buf));
    only(SrtpError, () => rx.unprotectRtcp(buf));
  }
}

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const u16 = fc.integer({ min: 0, max: 0xffff });

const rtpPacket: fc.Arbitrary<RtpPacket> = fc.record({
  marker: fc.boolean(),
  payloadType: fc.integer({ min: 0, max: 127 }),
  sequenceNumber: u16,
  timestamp: u32,
  ssrc: u32,
  csrcs: fc.array(u32, { maxLength: 15 }),
  extensions: fc.oneof(
    fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 14 }), fc.uint8Array({ minLength: 1, maxLength: 16 })), { selector: (t) => t[0], maxLength: 6 }),
    fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 255 }), fc.uint8Array({ maxLength: 40 })), { selector: (t) => t[0], maxLength: 6 }),
  ).map((list) => new Map(list.map(([id, data]) => [id, Buffer.from(data)]))),
  paddingLength: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 255 })),
  payload: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
});

const report = fc.record({
  ssrc: u32, fractionLost: fc.integer({ min: 0, max: 255 }), cumulativeLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
  highestSequence: u32, jitter: u32, lastSr: u32, delaySinceLastSr: u32,
});
const text = fc.string({ maxLength: 60 });
const rtcpPacket: fc.Arbitrary<RtcpPacket> = fc.oneof(
  fc.record({ type: fc.constant('sr' as const), ssrc: u32, ntpSeconds: u32, ntpFraction: u32, rtpTimestamp: u32, packetCount: u32, octetCount: u32, reports: fc.array(report, { maxLength: 31 }) }),
  fc.record({ type: fc.constant('rr' as const), ssrc: u32, reports: fc.array(report, { maxLength: 31 }) }),
  fc.record({ type: fc.constant('sdes' as const), chunks: fc.array(fc.record({ ssrc: u32, items: fc.array(fc.record({ type: fc.integer({ min: 1, max: 8 }), text }), { maxLength: 4 }) }), { maxLength: 5 }) }),
  fc.record({ type: fc.constant('bye' as const), ssrcs: fc.array(u32, { maxLength: 31 }), reason: fc.string({ minLength: 1, maxLength: 60 }) }, { requiredKeys: ['type', 'ssrcs'] }),
  fc.record({ type: fc.constant('pli' as const), senderSsrc: u32, mediaSsrc: u32 }),
  fc.record({ type: fc.constant('fir' as const), senderSsrc: u32, entries: fc.array(fc.record({ ssrc: u32, sequenceNumber: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 }) }),
  fc.record({ type: fc.constant('remb' as const), senderSsrc: u32, bitrateBps: fc.integer({ min: 0, max: 0x3ffff }).chain((m) => fc.integer({ min: 0, max: 40 }).map((e) => m * 2 ** e)), ssrcs: fc.array(u32, { maxLength: 10 }) }),
  fc.record({ type: fc.constant('nack' as const), senderSsrc: u32, mediaSsrc: u32, start: u16, offsets: fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 60 }) })
    .map(({ start, offsets, ...rest }) => ({ ...rest, lost: [...offsets].sort((a, b) => a - b).map((o) => (start + o) & 0xffff) })),
  fc.record({
    type: fc.constant('twcc' as const), senderSsrc: u32, mediaSsrc: u32, baseSequenceNumber: u16, referenceTime: fc.integer({ min: 0, max: 0xffffff }),
    feedbackPacketCount: fc.integer({ min: 0, max: 255 }),
    deltas: fc.array(fc.option(fc.integer({ min: -0x8000, max: 0x7fff }).map((t) => t * 250), { nil: undefined }), { maxLength: 200 }),
  }).map(({ deltas, ...rest }) => ({
    ...rest,
    packets: deltas.map((d, i) => ({ sequenceNumber: (rest.baseSequenceNumber + i) & 0xffff, ...(d === undefined ? {} : { deltaUs: d }) })),
  })),
);

describe('fuzz: decoders throw nothing but their typed errors', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => exercise(b)), { numRuns: 2000 });
  });

  it('random bytes behind a plausible first byte (RTP/RTCP range, extension and padding bits)', () => {
    fc.assert(fc.property(fc.integer({ min: 0x80, max: 0xbf }), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 300 }), (b0, b1, rest) => {
      exercise(Buffer.concat([Buffer.from([b0, b1]), rest]));
    }), { numRuns: 2000 });
  });

  it('valid RTP and RTCP with a few bytes corrupted or cut', () => {
    fc.assert(fc.property(fc.oneof(rtpPacket.map(serializeRtp), fc.array(rtcpPacket, { minLength: 1, maxLength: 4 }).map(serializeRtcp)),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), (wire, flips, cut) => {
        const bad = Buffer.from(wire);
        for (const [at, v] of flips) bad[at % bad.length] = v;
        exercise(bad);
        exercise(bad.subarray(0, cut % (bad.length + 1)));
      }), { numRuns: 1500 });
  });
});

describe('fuzz: round trips', () => {
  it('RTP: parse(serialize(p)) = p', () => {
    fc.assert(fc.property(rtpPacket, (p) => {
      const back = parseRtp(serializeRtp(p));
      expect(back).toEqual(p);
    }), { numRuns: 1000 });
  });

  it('RTCP compound: parse(serialize(packets)) = packets', () => {
    fc.assert(fc.property(fc.array(rtcpPacket, { minLength: 1, maxLength: 5 }), (packets) => {
      const { packets: back, skipped } = parseRtcp(serializeRtcp(packets));
      expect(skipped).toBe(0);
      expect(back).toEqual(packets.map((p) => (p.type === 'nack' ? { ...p, lost: [...new Set(p.lost)] } : p)));
    }), { numRuns: 1000 });
  });

  it('SRTP: unprotect(protect(p)) = p for every profile, in any delivery order within the window', () => {
    fc.assert(fc.property(fc.constantFrom(...PROFILES), fc.array(rtpPacket, { minLength: 1, maxLength: 10 }), fc.integer({ min: 0, max: 0xffff }), (profile, packets, startSeq) => {
      const p = SRTP_PROFILES[profile];
      const keys = { profile, masterKey: Buffer.alloc(p.keyLength, 7), masterSalt: Buffer.alloc(p.saltLength, 9) };
      const tx = new SrtpSession(keys);
      const rx = new SrtpSession(keys);
      const wires = packets.map((pkt, i) => serializeRtp({ ...pkt, ssrc: 42, sequenceNumber: (startSeq + i) & 0xffff }));
      const sealed = wires.map((w) => tx.protectRtp(w));
      // The first packet opens the stream (RFC 3711 §3.3.1: s_l starts there); the rest arrive in reverse, across any wrap.
      const order = [0, ...sealed.map((_, i) => i).slice(1).reverse()];
      for (const i of order) expect(rx.unprotectRtp(sealed[i] as Buffer).equals(wires[i] as Buffer)).toBe(true);
    }), { numRuns: 200 });
  });
});
