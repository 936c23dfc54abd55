#!/usr/bin/env node
// Runs a command inside a fresh network namespace that has only loopback (unshare -n as root,
// unshare -rn otherwise), so nothing it starts — browsers, WebRTC peers — can reach any real network.
import { spawnSync } from 'node:child_process';

const sep = process.argv.indexOf('--');
const cmd = sep >= 0 ? process.argv.slice(sep + 1) : process.argv.slice(2);
if (cmd.length === 0) {
  console.error('usage: node scripts/netns.mjs -- <command> [args...]');
  process.exit(2);
}
const root = process.getuid?.() === 0;
const quoted = cmd.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
// Bring loopback up, then check that nothing but lo exists before running anything.
const script = `ip link set lo up 2>/dev/null || true
if ip -o link show | grep -v ': lo:' | grep -q .; then echo "netns: unexpected interfaces: $(ip -o link show)" >&2; exit 97; fi
export PARLEY_NETNS=1
exec ${quoted}`;
const args = [root ? '-n' : '-rn', '--', 'sh', '-c', script];
const result = spawnSync('unshare', args, { stdio: 'inherit', env: process.env });
if (result.error) {
  console.error(`netns: cannot run unshare (${result.error.message}). Install util-linux, and run as root or with unprivileged user namespaces enabled.`);
  process.exit(1);
}
process.exit(result.status ?? 1);
