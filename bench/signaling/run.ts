// Entry point: `npm run bench:signaling [-- --only=join|join-sfu|relay|idle] [--quick]`, run inside a fresh
// loopback-only network namespace by scripts/netns.mjs. Prints every figure it measures.
import { cpus } from 'node:os';
import { fmt, inLoopbackNamespace, machineCpu, parseArgs, sleep } from './common.ts';
import { runRelay } from './relay.ts';
import { runIdle } from './idle.ts';
import { runJoin } from './join.ts';

const args = parseArgs(process.argv.slice(2));
if (!inLoopbackNamespace()) {
  console.error('refusing to run: the benches (Chromium included) must run in a loopback-only network namespace. Use `npm run bench:signaling` (scripts/netns.mjs).');
  process.exit(2);
}

const cpu = cpus();
console.log(`# Parley signaling benchmarks — ${new Date().toISOString()}`);
console.log(`node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}${args.quick ? ', --quick' : ''}`);

// Hard ceiling on the whole run: every part stops by itself well before this.
const ceiling = setTimeout(() => {
  console.error('bench: overall time limit reached; aborting');
  process.exit(3);
}, 20 * 60_000);
ceiling.unref();

let failed = false;
const QUIET_PCT = 25;
const QUIET_WAIT_S = 90;

/** CPU the rest of the machine uses while we do nothing (% of one core): these figures are only as quiet as the machine. */
async function backgroundLoad(): Promise<number> {
  const a = machineCpu();
  await sleep(1000);
  const b = machineCpu();
  return a && b ? ((b.busy - a.busy) / (b.total - a.total)) * cpu.length * 100 : Number.NaN;
}

for (const part of args.only) {
  try {
    // Wait (bounded) for a quiet moment: on a 2-core machine anything else running shows up in the tails.
    let load = await backgroundLoad();
    for (let waited = 1; !args.quick && load > QUIET_PCT && waited < QUIET_WAIT_S; waited++) load = await backgroundLoad();
    console.log(`\n(background load before ${part}: ${fmt(load, 0)}% of one core used by other processes${load > QUIET_PCT ? ' — NOT quiet, expect noisy tails' : ''})`);
    if (part === 'join') await runJoin({ quick: args.quick });
    else if (part === 'join-sfu') await runJoin({ quick: args.quick, topology: 'sfu' });
    else if (part === 'relay') await runRelay({ quick: args.quick });
    else await runIdle({ quick: args.quick });
  } catch (err) {
    failed = true;
    console.error(`bench ${part} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}
process.exit(failed ? 1 : 0);
