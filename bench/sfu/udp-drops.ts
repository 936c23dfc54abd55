/**
 * Where datagrams were dropped: the kernel counts, per UDP socket, datagrams that did not fit its receive buffer
 * (`drops`, the last column of /proc/net/udp, proc(5)). Summed over the server's own sockets (found through
 * /proc/<pid>/fd) and over every other socket of the namespace (the load clients'), a window's loss can be placed.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** inode → drops, from the text of /proc/net/udp. */
export function parseUdpDrops(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
    if (f.length < 13) continue;
    const inode = Number(f[9]);
    const drops = Number(f[12]);
    if (Number.isFinite(inode) && Number.isFinite(drops)) out.set(inode, (out.get(inode) ?? 0) + drops);
  }
  return out;
}

/** Socket inodes a process holds open ("socket:[123]" links in /proc/<pid>/fd). */
export function socketInodes(pid: number): Set<number> {
  const out = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

export interface UdpDrops {
  server: number;
  others: number;
}

/** Drops so far on the server's sockets and on every other UDP socket of this namespace. */
export function udpDrops(serverPid: number): UdpDrops {
  const server = socketInodes(serverPid);
  const drops = parseUdpDrops(readFileSync('/proc/net/udp', 'utf8'));
  let s = 0;
  let o = 0;
  for (const [inode, n] of drops) {
    if (server.has(inode)) s += n;
    else o += n;
  }
  return { server: s, others: o };
}
