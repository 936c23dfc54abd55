/**
 * A NAT behaviour probe in the spirit of RFC 5780 §4.3–4.4, run as its own process inside lab
 * namespaces (`node --import tsx test/lab/nat-probe.ts <mode>`):
 *   reflect                 in the public namespace: UDP reflectors on 198.18.0.2:4001, :4002 and
 *                           198.18.0.3:4001, answering with the source address they saw, from the
 *                           socket the request asks for;
 *   probe                   in a client namespace: classifies mapping and filtering, prints JSON;
 *   blast <count> <bytes> <intervalMs>
 *                           in a client namespace: sends datagrams to the reflector, prints how many
 *                           answers came back (for loss and rate profiles).
 */
import { createSocket, type Socket } from 'node:dgram';

const REFLECTORS = [
  { address: '198.18.0.2', port: 4001 },
  { address: '198.18.0.2', port: 4002 },
  { address: '198.18.0.3', port: 4001 },
] as const;

type ReplyFrom = 0 | 1 | 2;
interface Request { id: number; replyFrom?: ReplyFrom; pad?: string }
interface Reply { id: number; mapped: string }

export type MappingBehaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';
export type FilteringBehaviour = MappingBehaviour;
export interface ProbeResult { udp: boolean; mapping?: MappingBehaviour; filtering?: FilteringBehaviour }

async function bind(address?: string, port = 0): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, address, () => resolve());
  });
  return s;
}

async function reflect(): Promise<void> {
  const sockets = await Promise.all(REFLECTORS.map((r) => bind(r.address, r.port)));
  for (const s of sockets) {
    s.on('message', (msg, rinfo) => {
      let req: Request;
      try {
        req = JSON.parse(msg.toString()) as Request;
      } catch {
        return;
      }
      const reply: Reply = { id: req.id, mapped: `${rinfo.address}:${rinfo.port}` };
      const from = sockets[req.replyFrom ?? sockets.indexOf(s)] ?? s;
      from.send(JSON.stringify(reply), rinfo.port, rinfo.address);
    });
  }
  process.stdout.write('ready\n');
}

let nextId = 1;

/** Sends one request (retrying) and resolves with the reply, or undefined after `timeoutMs`. */
function ask(s: Socket, to: number, replyFrom: ReplyFrom, timeoutMs = 600): Promise<Reply | undefined> {
  const id = nextId++;
  const target = REFLECTORS[to]!;
  return new Promise((resolve) => {
    const send = () => s.send(JSON.stringify({ id, replyFrom } satisfies Request), target.port, target.address);
    const retry = setInterval(send, 150);
    const done = (r: Reply | undefined) => {
      clearInterval(retry);
      clearTimeout(timer);
      s.off('message', onMessage);
      resolve(r);
    };
    const onMessage = (msg: Buffer) => {
      const r = JSON.parse(msg.toString()) as Reply;
      if (r.id === id) done(r);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    s.on('message', onMessage);
    send();
  });
}

async function probe(): Promise<ProbeResult> {
  const s = await bind();
  try {
    const [m0, m1, m2] = [await ask(s, 0, 0), await ask(s, 1, 1), await ask(s, 2, 2)];
    if (!m0 || !m1 || !m2) return { udp: false };
    const mapping: MappingBehaviour = m0.mapped === m2.mapped && m0.mapped === m1.mapped ? 'endpoint-independent' : m0.mapped === m1.mapped ? 'address-dependent' : 'address-and-port-dependent';
    // Filtering, each test on a fresh mapping: only 198.18.0.2:4001 was contacted.
    const fresh = async (replyFrom: ReplyFrom) => {
      const t = await bind();
      try {
        return (await ask(t, 0, replyFrom)) !== undefined;
      } finally {
        t.close();
      }
    };
    const fromOtherAddress = await fresh(2);
    const fromOtherPort = await fresh(1);
    const filtering: FilteringBehaviour = fromOtherAddress ? 'endpoint-independent' : fromOtherPort ? 'address-dependent' : 'address-and-port-dependent';
    return { udp: true, mapping, filtering };
  } finally {
    s.close();
  }
}

async function blast(count: number, bytes: number, intervalMs: number): Promise<{ sent: number; received: number; receivedBytes: number; elapsedMs: number }> {
  const s = await bind();
  let received = 0;
  let receivedBytes = 0;
  s.on('message', (msg) => {
    received++;
    receivedBytes += msg.length;
  });
  const pad = 'x'.repeat(Math.max(0, bytes - 40));
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    s.send(JSON.stringify({ id: i, replyFrom: 0, pad } satisfies Request), REFLECTORS[0].port, REFLECTORS[0].address);
    if (intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs));
  }
  await new Promise((r) => setTimeout(r, 1000));
  s.close();
  return { sent: count, received, receivedBytes, elapsedMs: Date.now() - started - 1000 };
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'reflect') await reflect();
else if (mode === 'probe') process.stdout.write(`${JSON.stringify(await probe())}\n`);
else if (mode === 'blast') process.stdout.write(`${JSON.stringify(await blast(Number(args[0] ?? 200), Number(args[1] ?? 200), Number(args[2] ?? 5)))}\n`);
else if (mode !== undefined) {
  process.stderr.write(`usage: nat-probe.ts reflect | probe | blast <count> <bytes> <intervalMs>\n`);
  process.exit(2);
}
