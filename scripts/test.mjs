#!/usr/bin/env node
// `npm test`: install what the tests need (npm packages; Debian chromium when missing and we are
// root), then lint, typecheck, unit + integration tests, and TURN and browser tests in network namespaces.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureInstalled, ensureWebBuilt } from './start.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';

function sh(cmd, args, what, env = {}) {
  console.log(`\n━━ ${what}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = r.status === 0;
  console.log(`${ok ? '✓' : '✗'} ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return ok;
}

function ensureSystemPackages() {
  const missing = [];
  if (!existsSync(CHROMIUM)) missing.push('chromium');
  if (spawnSync('sh', ['-c', 'command -v unshare && command -v ip'], { stdio: 'ignore' }).status !== 0) missing.push('util-linux', 'iproute2');
  if (spawnSync('sh', ['-c', 'command -v nft'], { stdio: 'ignore' }).status !== 0) missing.push('nftables');
  // The NAT lab flushes NAT state between calls with conntrack -F.
  if (spawnSync('sh', ['-c', 'command -v conntrack'], { stdio: 'ignore' }).status !== 0) missing.push('conntrack');
  // coturn's client tools (turnutils_uclient, turnutils_stunclient, turnutils_peer) for the TURN interop tests.
  if (spawnSync('sh', ['-c', 'command -v turnutils_uclient'], { stdio: 'ignore' }).status !== 0) missing.push('coturn');
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.error(`✗ missing system packages: ${missing.join(' ')}. Install them (sudo apt-get install ${missing.join(' ')}) and run npm test again.`);
    process.exit(1);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...missing, 'fonts-dejavu-core']]) {
    console.log(`› apt-get ${args.join(' ')}`);
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) {
      console.error(`✗ apt-get ${args[0]} failed`);
      process.exit(1);
    }
  }
}

ensureInstalled();
ensureSystemPackages();
ensureWebBuilt();

const only = process.argv[2];
const reports = [];
/** vitest with its usual output plus a JSON report, so the run can end with one count of all tests. */
function vitest(project) {
  const file = join(tmpdir(), `parley-vitest-${project}-${process.pid}.json`);
  reports.push(file);
  return ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${file}`];
}
const steps = [
  ['lint', () => sh('npx', ['eslint', '.'], 'lint (eslint)')],
  ['typecheck', () => sh('npx', ['tsc', '-p', 'tsconfig.json'], 'typecheck (tsc)')],
  ['unit', () => sh('npx', vitest('unit'), 'unit + integration tests (vitest)')],
  ['net', () => sh(process.execPath, ['scripts/netns.mjs', '--', 'npx', ...vitest('net')], 'STUN/TURN and media-transport tests in a network namespace (vitest + coturn tools)')],
  ['e2e', () => sh(process.execPath, ['scripts/netns.mjs', '--', 'npx', ...vitest('e2e')], 'browser tests in a network namespace (vitest + chromium)')],
  // No outer unshare: the lab builds its own namespaces (ip netns add), which needs root.
  ['lab', () => {
    if (process.getuid?.() !== 0 && only !== 'lab') {
      console.log('\n━━ NAT lab: skipped (it creates network namespaces and needs root: sudo npm test -- lab)');
      return true;
    }
    return sh('npx', vitest('lab'), 'NAT lab: Chromium calls across NAT types in network namespaces (vitest + chromium + nftables)');
  }],
];
const failed = [];
for (const [name, step] of steps) {
  if (only && only !== name) continue;
  if (!step()) failed.push(name);
}
let passed = 0;
let failures = 0;
for (const file of reports) {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failures += r.numFailedTests ?? 0;
    rmSync(file, { force: true });
  } catch {
    /* the stage did not get far enough to write its report; its failure is listed below */
  }
}
console.log(failed.length ? `\n✗ failed: ${failed.join(', ')}` : '\n✓ all test stages passed');
console.log(`tests: ${passed} passed, ${failures} failed`);
process.exit(failed.length ? 1 : 0);
