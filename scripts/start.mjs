#!/usr/bin/env node
// `npm start`: install what is missing, build the web app when its sources changed, start Parley.
// Dependency-free on purpose: it runs before node_modules exists.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { spawnSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd, args, what) {
  console.log(`› ${what}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`✗ ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export function ensureInstalled() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (!existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs)) {
    // `npm install` keeps the versions in package-lock.json; `npm ci` is not used because npm 11 writes
    // lock files without other platforms' optional packages and then refuses them in `npm ci`.
    run(npm, ['install', '--no-audit', '--no-fund'], 'installing dependencies');
  }
}

export function ensureWebBuilt() {
  const built = join(root, 'packages', 'web', 'dist', 'index.html');
  const sources = Math.max(newest(join(root, 'packages', 'web')), newest(join(root, 'packages', 'client', 'src')), newest(join(root, 'packages', 'protocol', 'src')));
  if (!existsSync(built) || statSync(built).mtimeMs < sources) run(npm, ['run', 'build', '--silent'], 'building the web app');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureInstalled();
  ensureWebBuilt();
  const child = spawn(process.execPath, [join(root, 'packages', 'server', 'bin', 'parley.mjs'), 'start', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
