import { isIPv4, isIPv6 } from 'node:net';
import { FAMILY_IPV4, FAMILY_IPV6, MAGIC_COOKIE } from './constants.ts';
import { StunDecodeError } from './errors.ts';

export interface TransportAddress {
  /** Dotted IPv4 or RFC 5952 IPv6 text. */
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

export function ipToBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) throw new TypeError(`not an IP address: ${ip}`);
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tail: number[] = [];
  if (v4?.[1]) {
    tail = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + '0:0';
  }
  const [head = '', rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const fill = rest !== undefined ? 8 - left.length - right.length : 0;
  const groups = [...left, ...Array<string>(fill).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tail.length) out.set(tail, 12);
  return out;
}

export function bytesToIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  // RFC 5952 §4.2: compress the longest run (≥ 2) of zero groups, the first one on a tie.
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** RFC 8489 §14.1: MAPPED-ADDRESS (and the plain-address layout generally). */
export function encodeAddress(addr: { address: string; port: number }): Buffer {
  const ip = ipToBytes(addr.address);
  const out = Buffer.alloc(4 + ip.length);
  out[1] = ip.length === 4 ? FAMILY_IPV4 : FAMILY_IPV6;
  out.writeUInt16BE(addr.port, 2);
  out.set(ip, 4);
  return out;
}

export function decodeAddress(value: Buffer): TransportAddress {
  if (value.length < 4) throw new StunDecodeError('BAD_ATTRIBUTE', 'address attribute shorter than 4 bytes');
  const family = value[1];
  const want = family === FAMILY_IPV4 ? 8 : family === FAMILY_IPV6 ? 20 : -1;
  if (want < 0) throw new StunDecodeError('BAD_ADDRESS_FAMILY', `unknown address family ${String(family)}`);
  if (value.length !== want) throw new StunDecodeError('BAD_ATTRIBUTE', `address attribute of ${value.length} bytes for its family`);
  return { address: bytesToIp(value.subarray(4)), port: value.readUInt16BE(2), family: family === FAMILY_IPV4 ? 'IPv4' : 'IPv6' };
}

/** The XOR mask (RFC 8489 §14.2): the magic cookie, then for IPv6 the transaction id. */
function xorMask(transactionId: Uint8Array, length: number): Buffer {
  const mask = Buffer.alloc(16);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  mask.set(transactionId, 4);
  return mask.subarray(0, length);
}

/** RFC 8489 §14.2: XOR-MAPPED-ADDRESS; the same layout for XOR-PEER- and XOR-RELAYED-ADDRESS (RFC 8656 §14.3, §14.5). */
export function encodeXorAddress(addr: { address: string; port: number }, transactionId: Uint8Array): Buffer {
  const out = encodeAddress(addr);
  out.writeUInt16BE(addr.port ^ (MAGIC_COOKIE >>> 16), 2);
  const mask = xorMask(transactionId, out.length - 4);
  for (let i = 4; i < out.length; i++) out[i] = (out[i] as number) ^ (mask[i - 4] as number);
  return out;
}

export function decodeXorAddress(value: Buffer, transactionId: Uint8Array): TransportAddress {
  const plain = decodeAddress(value); // validates family and size
  const copy = Buffer.from(value);
  copy.writeUInt16BE(plain.port ^ (MAGIC_COOKIE >>> 16), 2);
  const mask = xorMask(transactionId, copy.length - 4);
  for (let i = 4; i < copy.length; i++) copy[i] = (copy[i] as number) ^ (mask[i - 4] as number);
  return decodeAddress(copy);
}
