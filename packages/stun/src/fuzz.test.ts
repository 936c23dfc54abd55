import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Attr, StunDecodeError, StunMessageBuilder, StunMethod, StreamFramer, decodeAddress, decodeChannelData, decodeChannelNumber,
  decodeErrorCode, decodeEvenPort, decodeLifetime, decodeMessage, decodePasswordAlgorithms, decodeRequestedAddressFamily,
  decodeRequestedTransport, decodeUnknownAttributes, decodeXorAddress, decodeText, decodeReservationToken, decodeDontFragment,
  decodeUserHash, verifyFingerprint, verifyIntegrity, verifyIntegritySha256,
} from './index.ts';

/** Runs every decoder that a server would run on a message; only StunDecodeError may escape. */
function exercise(bytes: Uint8Array): void {
  const buf = Buffer.from(bytes);
  const attempt = (fn: () => unknown): void => {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof StunDecodeError)) throw err;
    }
  };
  attempt(() => decodeChannelData(buf));
  attempt(() => new StreamFramer().push(buf));
  attempt(() => {
    const msg = decodeMessage(buf);
    verifyFingerprint(msg);
    verifyIntegrity(msg, Buffer.from('key'));
    verifyIntegritySha256(msg, Buffer.from('key'));
    for (const a of msg.attributes) {
      for (const fn of [
        () => decodeXorAddress(a.value, msg.transactionId), () => decodeAddress(a.value), () => decodeErrorCode(a.value),
        () => decodeUnknownAttributes(a.value), () => decodeChannelNumber(a.value), () => decodeLifetime(a.value),
        () => decodeRequestedTransport(a.value), () => decodeRequestedAddressFamily(a.value), () => decodeEvenPort(a.value),
        () => decodePasswordAlgorithms(a.value), () => decodeText(a.value, 'x', 763), () => decodeReservationToken(a.value),
        () => decodeDontFragment(a.value), () => decodeUserHash(a.value),
      ]) attempt(fn);
    }
  });
}

const valid = (): Buffer =>
  new StunMessageBuilder(StunMethod.Allocate, 'request')
    .text(Attr.USERNAME, '1700000000:alice')
    .text(Attr.REALM, 'parley')
    .text(Attr.NONCE, 'abcdef')
    .add(Attr['REQUESTED-TRANSPORT'], Buffer.from([17, 0, 0, 0]))
    .xorAddress(Attr['XOR-PEER-ADDRESS'], { address: '2001:db8::1', port: 9 })
    .add(Attr['ERROR-CODE'], Buffer.from([0, 0, 4, 1, 0x41]))
    .add(Attr['PASSWORD-ALGORITHMS'], Buffer.from([0, 1, 0, 0, 0, 2, 0, 0]))
    .encode({ integrity: Buffer.from('key'), fingerprint: true });

describe('fuzz: the decoder throws nothing but StunDecodeError', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => exercise(bytes)), { numRuns: 3000 });
  });

  it('random bytes behind a valid STUN header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: 0xffff }), (body, type) => {
        const header = Buffer.alloc(20);
        header.writeUInt16BE(type & 0x3fff, 0);
        header.writeUInt16BE(body.length & ~3, 2);
        header.writeUInt32BE(0x2112a442, 4);
        exercise(Buffer.concat([header, Buffer.from(body).subarray(0, body.length & ~3)]));
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated valid messages (flipped bytes, truncation, splices)', () => {
    const base = valid();
    expect(verifyIntegrity(decodeMessage(base), Buffer.from('key'))).toBe(true);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat({ max: base.length }),
        (flips, cut) => {
          const b = Buffer.from(base);
          for (const [i, v] of flips) b[i] = v;
          exercise(b);
          exercise(b.subarray(0, cut));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
