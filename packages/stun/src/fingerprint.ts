import { Attr } from './constants.ts';
import type { DecodedStunMessage } from './message.ts';

/** RFC 8489 §14.7: FINGERPRINT is CRC-32 (ISO 3309, as in zlib) of the message, XOR 0x5354554E. */
const FINGERPRINT_XOR = 0x5354554e;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = (TABLE[(c ^ (buf[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function fingerprintOf(bytes: Uint8Array): number {
  return (crc32(bytes) ^ FINGERPRINT_XOR) >>> 0;
}

/** True when the message ends with a FINGERPRINT that matches its bytes. */
export function verifyFingerprint(msg: DecodedStunMessage): boolean {
  const i = msg.attributes.length - 1;
  const last = msg.attributes[i];
  if (!last || last.type !== Attr.FINGERPRINT || last.value.length !== 4) return false;
  const offset = msg.offsets[i] as number;
  return fingerprintOf(msg.raw.subarray(0, offset)) === last.value.readUInt32BE(0);
}
