import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from './lab.ts';
import { NAT_TYPES, type NatType } from './nat.ts';
import { startLabServer, type LabServer } from './parley.ts';
import { launchInNamespace, type RelayTransport } from './chromium.ts';
import { BrowserPool, describeCandidate, runCall, type CallResult } from './call.ts';
import { formatResults, publishResults, type CellRecord, type RelayRecord } from './report.ts';

/**
 * Every pair of client network types (docs/nat-lab.md), each side behind its own NAT router, in one
 * lab with one Parley server. Two instances of every type (`-a`, `-b`) so same-type pairs cross two
 * NATs, like two homes behind the same kind of router.
 */
const TYPES: readonly NatType[] = NAT_TYPES;
const CELLS = TYPES.flatMap((a, i) => TYPES.slice(i).map((b) => [a, b] as const));

let lab: Lab;
let server: LabServer;
let pool: BrowserPool;
const cells: CellRecord[] = [];
const relayRuns: RelayRecord[] = [];

const browserFor = (network: string) => pool.get(lab.network(network).client);

beforeAll(async () => {
  lab = Lab.create(TYPES.flatMap((type) => [{ name: `${type}-a`, type }, { name: `${type}-b`, type }]));
  server = await startLabServer(lab);
  pool = new BrowserPool((ns) => launchInNamespace(lab, ns, server.certificate.spki));
}, 60_000);

afterAll(async () => {
  try {
    if (cells.length || relayRuns.length) {
      const version = cells.length ? await (await browserFor(`${TYPES[0]}-a`)).browser.version() : 'unknown';
      const markdown = formatResults(TYPES, cells, relayRuns, version);
      const copy = publishResults(markdown);
      console.log(`\nNAT lab results (also in ${copy}):\n\n${markdown}\n`);
    }
  } finally {
    await pool?.closeAll();
    await server?.stop();
    lab?.destroy();
  }
}, 60_000);

/** Which relay transports a side may end up on, given the network it sits in. */
function expectAllowedPath(type: NatType, side: CallResult['a']): void {
  const via = describeCandidate(side.local);
  if (type === 'udp-blocked') expect(['relay/tcp', 'relay/tls'], `a UDP-blocked client must use TURN over TCP or TLS, used ${via}`).toContain(via);
  if (type === 'tcp443-only') expect(via, 'a TCP-443-only client must use TURN/TLS on 443').toBe('relay/tls');
  if (type === 'tcp443-only') expect(side.local?.url).toMatch(/^turns:198\.18\.0\.2:443\?transport=tcp$/);
}

describe('NAT matrix: a 2-party call connects for every pair of client networks', () => {
  for (const [a, b] of CELLS) {
    it(`${a} ↔ ${b}`, async () => {
      const record: CellRecord = { a, b };
      cells.push(record);
      lab.resetNatState();
      try {
        const [ba, bb] = await Promise.all([browserFor(`${a}-a`), browserFor(`${b}-b`)]);
        record.result = await runCall(ba, bb, { baseUrl: server.url, room: `nat-${a}-${b}` });
      } catch (err) {
        record.error = (err as Error).message.split('\n')[0];
        throw err;
      }
      const r = record.result;
      expectAllowedPath(a, r.a);
      expectAllowedPath(b, r.b);
      if (a === 'symmetric' && b === 'symmetric') expect(r.path, 'symmetric ↔ symmetric can only meet through a relay').toBe('relay');
      if ([a, b].includes('udp-blocked') || [a, b].includes('tcp443-only')) expect(r.path).toBe('relay');
    });
  }
});

describe('relay only: Chromium connects through the built-in TURN over each transport', () => {
  for (const transport of ['udp', 'tcp', 'tls'] as const satisfies readonly RelayTransport[]) {
    it(`iceTransportPolicy 'relay' with only the TURN/${transport.toUpperCase()} URL`, async () => {
      const record: RelayRecord = { transport };
      relayRuns.push(record);
      lab.resetNatState();
      try {
        const [ba, bb] = await Promise.all([browserFor('port-restricted-a'), browserFor('full-cone-b')]);
        record.result = await runCall(ba, bb, { baseUrl: server.url, room: `relay-${transport}`, relay: transport });
      } catch (err) {
        record.error = (err as Error).message.split('\n')[0];
        throw err;
      }
      for (const side of [record.result.a, record.result.b]) {
        expect(side.local?.candidateType).toBe('relay');
        expect(side.local?.relayProtocol).toBe(transport);
        expect(side.local?.url).toBe(transport === 'tls' ? 'turns:198.18.0.2:443?transport=tcp' : `turn:198.18.0.2:3478?transport=${transport}`);
      }
    });
  }
});

describe('lab isolation', () => {
  it('no namespace sent anything outside the lab ranges (egress guard counters are 0)', () => {
    const counts = lab.guardCounts();
    expect(counts).toHaveLength(1 + 2 * 2 * TYPES.length);
    expect(counts.filter((c) => c.packets !== 0)).toEqual([]);
  });
});
