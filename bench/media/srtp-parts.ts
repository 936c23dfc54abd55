/**
 * Component measurements behind packages/media/src/srtp/ (run with `bench/media/srtp.ts --parts`): each idea of the
 * optimisation next to what it replaced, on a 1188-byte payload (a 1200-byte RTP packet minus its header).
 */
import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { AesCmKeystream, HmacSha1 } from '@parley/media';
import { fmt, printTable } from '../signaling/common.ts';

const PAYLOAD = 1188;
const ITERATIONS = 100_000;
const BUDGET_NS = 3_000_000_000n;

/**
 * Process CPU ns per call of `fn` (user + system, so a busy machine inflates it less than wall time) over up to
 * ITERATIONS calls after a 10% warm-up, stopping after BUDGET_NS of wall time.
 */
function time(fn: (i: number) => unknown): number {
  for (let i = 0; i < ITERATIONS / 10; i++) fn(i);
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let i = 0;
  for (; i < ITERATIONS; i++) {
    fn(i);
    if ((i & 1023) === 1023 && process.hrtime.bigint() - start > BUDGET_NS) break;
  }
  const used = process.cpuUsage(cpu);
  return ((used.user + used.system) * 1000) / Math.min(i + 1, ITERATIONS);
}

export function runParts(): void {
  const key = randomBytes(16);
  const authKey = randomBytes(20);
  const data = randomBytes(PAYLOAD);
  const iv = Buffer.alloc(16);
  const out = Buffer.alloc(PAYLOAD);
  const roc = Buffer.alloc(4);
  const keystream = new AesCmKeystream(key);
  const hmac = new HmacSha1(authKey);
  const ipad = Buffer.alloc(64, 0x36);
  const opad = Buffer.alloc(64, 0x5c);
  for (let i = 0; i < authKey.length; i++) {
    ipad[i] = (ipad[i] as number) ^ (authKey[i] as number);
    opad[i] = (opad[i] as number) ^ (authKey[i] as number);
  }
  const innerState = createHash('sha1').update(ipad);
  const outerState = createHash('sha1').update(opad);
  const gcmIv = Buffer.alloc(12);

  const rows: [string, number][] = [
    ['AES-CM: createCipheriv(aes-128-ctr) per packet (old)', time(() => {
      const c = createCipheriv('aes-128-ctr', key, iv);
      return Buffer.concat([c.update(data), c.final()]);
    })],
    ['AES-CM: persistent aes-128-ecb update + XOR (new)', time((i) => {
      iv.writeUInt32BE(i, 8);
      keystream.xor(iv, data, 0, PAYLOAD, out, 0);
    })],
    ['HMAC-SHA1: createHmac per packet (old)', time(() => createHmac('sha1', authKey).update(data).update(roc).digest())],
    ['HMAC-SHA1: precomputed pads, hash.copy() per packet', time(() => outerState.copy().update(innerState.copy().update(data).update(roc).digest()).digest())],
    ['HMAC-SHA1: pads + two one-shot crypto.hash, latin1 (new)', time(() => hmac.mac(data, 0, PAYLOAD, 0))],
    ['AES-128-GCM: createCipheriv seal per packet (floor)', time(() => {
      const c = createCipheriv('aes-128-gcm', key, gcmIv, { authTagLength: 16 });
      c.setAAD(data.subarray(0, 12));
      c.update(data);
      c.final();
      return c.getAuthTag();
    })],
    ['output: Buffer.alloc(1210) (old)', time(() => Buffer.alloc(1210))],
    ['output: Buffer.allocUnsafe(1210), pooled (new)', time(() => Buffer.allocUnsafe(1210))],
  ];
  console.log('\nComponents (1188-byte payload):\n');
  printTable(['component', 'CPU ns/call'], rows.map(([name, ns]) => [name, fmt(ns, 0)]));
}
