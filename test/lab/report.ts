import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeCandidate, type CallResult } from './call.ts';
import type { NatType } from './nat.ts';

export interface CellRecord {
  a: NatType;
  b: NatType;
  result?: CallResult;
  error?: string;
}

export interface RelayRecord {
  transport: string;
  result?: CallResult;
  error?: string;
}

const DOC = fileURLToPath(new URL('../../docs/nat-lab.md', import.meta.url));
const START = '<!-- nat-lab:results:start -->';
const END = '<!-- nat-lab:results:end -->';

function median(values: number[]): number {
  const s = values.filter(Number.isFinite).sort((x, y) => x - y);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const ms = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '—' : `${Math.round(v)} ms`);

/** The measured matrix as markdown: a triangle of path classes, then one row per pair. */
export function formatResults(types: readonly NatType[], cells: CellRecord[], relay: RelayRecord[], chromiumVersion: string, when = new Date()): string {
  const find = (a: NatType, b: NatType) => cells.find((c) => (c.a === a && c.b === b) || (c.a === b && c.b === a));
  const lines: string[] = [];
  const ok = cells.filter((c) => c.result);
  const relayed = ok.filter((c) => c.result?.path === 'relay');
  lines.push(
    `Measured ${when.toISOString().slice(0, 10)} on this machine (2 cores, Chromium ${chromiumVersion}, Parley's built-in TURN):`,
    `**${ok.length}/${cells.length} pairs connected** with video decoded on both sides; ` +
      `time to \`connected\` median ${ms(median(ok.map((c) => c.result!.connectMs)))}, worst ${ms(Math.max(...ok.map((c) => c.result!.connectMs)))}; ` +
      `relayed pairs median ${ms(median(relayed.map((c) => c.result!.connectMs)))}.`,
    '',
    `| A ↓ / B → | ${types.join(' | ')} |`,
    `|---|${types.map(() => '---').join('|')}|`,
  );
  types.forEach((a, i) => {
    const row = types.map((b, j) => {
      if (j < i) return '';
      const c = find(a, b);
      if (!c) return 'not run';
      return c.result ? `${c.result.path} (${ms(c.result.connectMs)})` : '**FAILED**';
    });
    lines.push(`| **${a}** | ${row.join(' | ')} |`);
  });
  lines.push('', '| A | B | path | A sends via | B sends via | time to connected |', '|---|---|---|---|---|---|');
  for (const c of cells) {
    const r = c.result;
    lines.push(r ? `| ${c.a} | ${c.b} | ${r.path} | ${describeCandidate(r.a.local)} | ${describeCandidate(r.b.local)} | ${ms(r.connectMs)} |` : `| ${c.a} | ${c.b} | FAILED: ${c.error ?? 'not run'} | | | |`);
  }
  if (relay.length) {
    lines.push('', 'Relay only (`iceTransportPolicy: \'relay\'`, one TURN URL each):', '', '| TURN transport | A sends via | B sends via | time to connected |', '|---|---|---|---|');
    for (const r of relay) {
      lines.push(r.result ? `| ${r.transport} | ${describeCandidate(r.result.a.local)} | ${describeCandidate(r.result.b.local)} | ${ms(r.result.connectMs)} |` : `| ${r.transport} | FAILED: ${r.error ?? 'not run'} | | |`);
    }
  }
  return lines.join('\n');
}

/**
 * Prints the results and keeps a copy in the temp directory. With PARLEY_LAB_UPDATE_DOCS=1 it also
 * replaces the measured section of docs/nat-lab.md (tests do not rewrite the source tree by default).
 */
export function publishResults(markdown: string): string {
  const copy = join(tmpdir(), 'parley-nat-lab.md');
  writeFileSync(copy, `${markdown}\n`);
  if (process.env.PARLEY_LAB_UPDATE_DOCS === '1') {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    if (start < 0 || end < start) throw new Error(`${DOC} lacks the ${START} … ${END} markers`);
    writeFileSync(DOC, `${doc.slice(0, start + START.length)}\n${markdown}\n${doc.slice(end)}`);
  }
  return copy;
}
