import { spawnSync } from 'node:child_process';
import { nsExec } from './lab.ts';

/**
 * Link impairments that any test can put on an interface inside a lab namespace (egress of `dev`).
 *
 * With `sch_netem` in the kernel this is `tc qdisc … netem` and everything works. This machine's
 * kernel has no netem (nor prio, fq, codel, sfq; tc actions are missing too), so the fallback is:
 *  - loss: an nftables `netdev` egress chain on the device dropping `numgen random mod 100 < N`;
 *  - rate: an htb class with a pfifo queue;
 *  - delay and jitter: impossible without netem (no qdisc here can hold a packet for a time), so
 *    they are refused with NetemUnsupportedError rather than silently ignored.
 */
export interface NetemProfile {
  /** Random loss, 0–100 %. */
  lossPercent?: number;
  /** Egress rate limit. */
  rateKbit?: number;
  /** Queue in packets in front of the rate limit (default 100). */
  queuePackets?: number;
  delayMs?: number;
  jitterMs?: number;
}

export class NetemUnsupportedError extends Error {
  readonly code = 'NETEM_UNSUPPORTED';
  constructor(message: string) {
    super(message);
    this.name = 'NetemUnsupportedError';
  }
}

const TABLE = 'plab_netem';

function tc(ns: string, args: string[]): { ok: boolean; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'tc', ...args], { encoding: 'utf8' });
  return { ok: r.status === 0, stderr: r.stderr ?? '' };
}

function check(p: NetemProfile): void {
  const { lossPercent, rateKbit, delayMs, jitterMs } = p;
  if (lossPercent !== undefined && (!Number.isInteger(lossPercent) || lossPercent < 0 || lossPercent > 100)) throw new TypeError('lossPercent must be an integer from 0 to 100');
  if (rateKbit !== undefined && (!Number.isFinite(rateKbit) || rateKbit <= 0)) throw new TypeError('rateKbit must be positive');
  for (const [name, v] of [['delayMs', delayMs], ['jitterMs', jitterMs]] as const) {
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) throw new TypeError(`${name} must be ≥ 0`);
  }
  if (jitterMs && !delayMs) throw new TypeError('jitterMs needs delayMs');
}

let kernelHasNetem: boolean | undefined;

/** Whether `tc qdisc … netem` works, tried once on the loopback of a lab namespace. */
export function hasNetem(ns: string): boolean {
  if (kernelHasNetem === undefined) {
    kernelHasNetem = tc(ns, ['qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms']).ok;
    if (kernelHasNetem) tc(ns, ['qdisc', 'del', 'dev', 'lo', 'root']);
  }
  return kernelHasNetem;
}

/** Applies `profile` to the egress of `dev` in namespace `ns`; returns a function that removes it. */
export function applyNetem(ns: string, dev: string, profile: NetemProfile): () => void {
  check(profile);
  const { lossPercent = 0, rateKbit, delayMs = 0, jitterMs = 0 } = profile;
  const queue = profile.queuePackets ?? 100;
  if (hasNetem(ns)) {
    const args = ['qdisc', 'replace', 'dev', dev, 'root', 'netem', 'limit', String(queue)];
    if (delayMs) args.push('delay', `${delayMs}ms`, ...(jitterMs ? [`${jitterMs}ms`, 'distribution', 'normal'] : []));
    if (lossPercent) args.push('loss', `${lossPercent}%`);
    if (rateKbit) args.push('rate', `${rateKbit}kbit`);
    const r = tc(ns, args);
    if (!r.ok) throw new Error(`tc netem on ${dev} in ${ns}: ${r.stderr.trim()}`);
    return () => void tc(ns, ['qdisc', 'del', 'dev', dev, 'root']);
  }
  if (delayMs || jitterMs) {
    throw new NetemUnsupportedError(
      `cannot add ${delayMs} ms delay / ${jitterMs} ms jitter on ${dev}: this kernel has no sch_netem ("Specified qdisc kind is unknown"), ` +
        'and no other available qdisc can hold packets for a time. Loss and rate work (nftables, htb); delay needs a kernel with CONFIG_NET_SCH_NETEM.',
    );
  }
  const undo: Array<() => void> = [];
  const remove = () => {
    for (const u of undo.splice(0).reverse()) u();
  };
  try {
    if (rateKbit) {
      const steps = [
        ['qdisc', 'replace', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '10'],
        ['class', 'add', 'dev', dev, 'parent', '1:', 'classid', '1:10', 'htb', 'rate', `${rateKbit}kbit`, 'ceil', `${rateKbit}kbit`],
        ['qdisc', 'add', 'dev', dev, 'parent', '1:10', 'handle', '10:', 'pfifo', 'limit', String(queue)],
      ];
      undo.push(() => void tc(ns, ['qdisc', 'del', 'dev', dev, 'root']));
      for (const s of steps) {
        const r = tc(ns, s);
        if (!r.ok) throw new Error(`tc ${s.join(' ')} in ${ns}: ${r.stderr.trim()}`);
      }
    }
    if (lossPercent) {
      const table = `${TABLE}_${dev}`;
      nsExec(ns, 'nft', ['-f', '-'], `table netdev ${table} {
  chain egress {
    type filter hook egress device "${dev}" priority 0; policy accept;
    numgen random mod 100 < ${lossPercent} counter drop
  }
}
`);
      undo.push(() => void spawnSync('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'netdev', table], { stdio: 'ignore' }));
    }
  } catch (err) {
    remove();
    throw err;
  }
  return remove;
}
