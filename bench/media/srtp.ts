/**
 * SRTP/SRTCP per-packet cost: the current SrtpSession against the pre-optimisation one (./srtp-baseline-session.ts),
 * for every profile and operation, on 1200-byte RTP and 100-byte RTCP packets.
 *
 *   node --import tsx bench/media/srtp.ts [--packets=200000] [--seconds=10] [--quick] [--parts]
 *
 * Each cell runs `--packets` packets in chunks of CHUNK and stops early once `--seconds` of measured time have
 * passed. Unprotect needs fresh (non-replayed) packets, so each chunk is protected untimed first and then
 * unprotected timed; protect is timed on its own. Old and new chunks alternate. The figures are the median over
 * chunks of the process CPU time per packet (user + system, all threads, so garbage collection counts), which a busy
 * machine inflates far less than wall time; the median wall time per packet is printed alongside. `--parts` adds the component measurements (ECB vs CTR, HMAC
 * variants) behind the choices in packages/media/src/srtp/.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { SRTP_PROFILES, SrtpSession, type SrtpProfile } from '@parley/media';
import { fmt, printTable } from '../signaling/common.ts';
import { BaselineSrtpSession } from './srtp-baseline-session.ts';
import { runParts } from './srtp-parts.ts';

const RTP_SIZE = 1200;
const RTCP_SIZE = 100;
const CHUNK = 1024;
const OPERATIONS = ['protectRtp', 'unprotectRtp', 'protectRtcp', 'unprotectRtcp'] as const;
type Operation = (typeof OPERATIONS)[number];
type Session = Pick<SrtpSession, 'protectRtp' | 'unprotectRtp' | 'protectRtcp' | 'unprotectRtcp'>;
type Implementation = 'old' | 'new';

interface Options {
  packets: number;
  seconds: number;
  parts: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { packets: 200_000, seconds: 10, parts: false };
  for (const arg of argv) {
    const [name, value] = arg.split('=');
    if (name === '--quick') options.packets = 20_000;
    else if (name === '--parts') options.parts = true;
    else if ((name === '--packets' || name === '--seconds') && value !== undefined && Number(value) > 0) options[name.slice(2) as 'packets' | 'seconds'] = Number(value);
    else throw new Error(`unknown argument "${arg}" (use --packets=N, --seconds=S, --quick, --parts)`);
  }
  return options;
}

/** A 1200-byte RTP packet (12-byte header, random payload) with sequence number `seq`. */
function rtpPacket(seq: number, payload: Buffer): Buffer {
  const p = Buffer.alloc(RTP_SIZE);
  p[0] = 0x80;
  p[1] = 96;
  p.writeUInt16BE(seq & 0xffff, 2);
  p.writeUInt32BE((seq * 3000) >>> 0, 4);
  p.writeUInt32BE(0x1234_5678, 8);
  payload.copy(p, 12, 0, RTP_SIZE - 12);
  return p;
}

/** A 100-byte RTCP packet: sender report header and SSRC in the clear, random body (RFC 3711 §3.4 encrypts it). */
function rtcpPacket(body: Buffer): Buffer {
  const p = Buffer.alloc(RTCP_SIZE);
  p[0] = 0x80;
  p[1] = 200;
  p.writeUInt16BE(RTCP_SIZE / 4 - 1, 2);
  p.writeUInt32BE(0x9abc_def0, 4);
  body.copy(p, 8, 0, RTCP_SIZE - 8);
  return p;
}

function makeSession(impl: Implementation, profile: SrtpProfile, masterKey: Buffer, masterSalt: Buffer): Session {
  const options = { profile, masterKey, masterSalt };
  return impl === 'new' ? new SrtpSession(options) : new BaselineSrtpSession(options);
}

/** One implementation's sender, receiver and packets inside a cell; chunks of the two implementations alternate. */
class Lane {
  readonly #tx: Session;
  readonly #rx: Session;
  readonly #clear: Buffer[];
  readonly #input: Buffer[] = new Array<Buffer>(CHUNK);
  #seq = 0;
  readonly wallNs: number[] = [];
  readonly cpuNs: number[] = [];
  packets = 0;
  sink = 0;

  constructor(impl: Implementation, profile: SrtpProfile, readonly operation: Operation, masterKey: Buffer, masterSalt: Buffer, payload: Buffer) {
    this.#tx = makeSession(impl, profile, masterKey, masterSalt);
    this.#rx = makeSession(impl, profile, masterKey, masterSalt);
    const isRtp = operation.endsWith('Rtp');
    this.#clear = Array.from({ length: CHUNK }, (_, i) => (isRtp ? rtpPacket(i, payload) : rtcpPacket(payload.subarray(i % 64))));
  }

  /** Runs `n` packets: the inputs are made untimed (unprotect needs packets the receiver has not seen yet). */
  chunk(n: number): void {
    const op = this.operation;
    for (let i = 0; i < n; i++) {
      const packet = this.#clear[i] as Buffer;
      if (op.endsWith('Rtp')) packet.writeUInt16BE(this.#seq++ & 0xffff, 2); // the ROC advances across wraps
      this.#input[i] = op === 'unprotectRtp' ? this.#tx.protectRtp(packet) : op === 'unprotectRtcp' ? this.#tx.protectRtcp(packet) : packet;
    }
    const session = op.startsWith('un') ? this.#rx : this.#tx;
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) this.sink += run(op, session, this.#input[i] as Buffer).length;
    const wall = Number(process.hrtime.bigint() - start);
    const used = process.cpuUsage(cpu);
    this.wallNs.push(wall / n);
    this.cpuNs.push(((used.user + used.system) * 1000) / n);
    this.packets += n;
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;

/**
 * Times `operation` for both implementations, alternating chunks so that whatever else runs on the machine hits both
 * alike; stops at `options.packets` packets each or when `options.seconds` have passed.
 */
function measure(profile: SrtpProfile, operation: Operation, options: Options): Record<Implementation, Lane> {
  const p = SRTP_PROFILES[profile];
  const masterKey = randomBytes(p.keyLength);
  const masterSalt = randomBytes(p.saltLength);
  const payload = randomBytes(RTP_SIZE);
  const lanes = { old: new Lane('old', profile, operation, masterKey, masterSalt, payload), new: new Lane('new', profile, operation, masterKey, masterSalt, payload) };
  const deadline = process.hrtime.bigint() + BigInt(Math.round(options.seconds * 1e9));
  for (let chunk = 0; lanes.new.packets < options.packets && process.hrtime.bigint() < deadline && chunk < 1_000_000; chunk++) {
    const n = Math.min(CHUNK, options.packets - lanes.new.packets);
    const order = chunk % 2 === 0 ? [lanes.old, lanes.new] : [lanes.new, lanes.old];
    for (const lane of order) lane.chunk(n);
  }
  if (lanes.old.sink === 0 || lanes.new.sink === 0) throw new Error('no output');
  return lanes;
}

function run(operation: Operation, session: Session, packet: Buffer): Buffer {
  switch (operation) {
    case 'protectRtp':
      return session.protectRtp(packet);
    case 'unprotectRtp':
      return session.unprotectRtp(packet);
    case 'protectRtcp':
      return session.protectRtcp(packet);
    case 'unprotectRtcp':
      return session.unprotectRtcp(packet);
  }
}

/** The two implementations must agree byte for byte before their speeds are worth comparing. */
function checkAgreement(profile: SrtpProfile): void {
  const p = SRTP_PROFILES[profile];
  const masterKey = randomBytes(p.keyLength);
  const masterSalt = randomBytes(p.saltLength);
  const rtp = rtpPacket(7, randomBytes(RTP_SIZE));
  const rtcp = rtcpPacket(randomBytes(RTCP_SIZE));
  const [a, b] = (['old', 'new'] as const).map((impl) => makeSession(impl, profile, masterKey, masterSalt));
  if (!a || !b || !a.protectRtp(rtp).equals(b.protectRtp(rtp)) || !a.protectRtcp(rtcp).equals(b.protectRtcp(rtcp))) {
    throw new Error(`${profile}: old and new SRTP output differ`);
  }
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  console.log(`SRTP per-packet cost, node ${process.version}: RTP ${RTP_SIZE} B, RTCP ${RTCP_SIZE} B, up to ${options.packets} packets or ${options.seconds} s per cell, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  const rows: string[][] = [];
  for (const profile of Object.keys(SRTP_PROFILES) as SrtpProfile[]) {
    checkAgreement(profile);
    for (const operation of OPERATIONS) {
      const { old, new: now } = measure(profile, operation, options);
      const [oldCpu, newCpu] = [median(old.cpuNs), median(now.cpuNs)];
      rows.push([
        `${profile} ${operation}`,
        fmt(oldCpu, 0), fmt(1e6 / oldCpu, 1),
        fmt(newCpu, 0), fmt(1e6 / newCpu, 1),
        `${fmt(oldCpu / newCpu, 2)}×`,
        `${fmt(median(old.wallNs), 0)} / ${fmt(median(now.wallNs), 0)}`,
        String(now.packets),
      ]);
    }
  }
  printTable(['profile / operation', 'old ns/pkt', 'old kpkt/s', 'new ns/pkt', 'new kpkt/s', 'speed-up', 'wall ns old / new', 'packets'], rows);
  if (options.parts) runParts();
}

main();
