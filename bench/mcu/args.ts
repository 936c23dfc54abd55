/** Command-line flags of the MCU bench (`npm run bench:mcu -- --help`). */

export interface McuBenchArgs {
  /** Rooms of each step of the capacity search (stops at the first step that drops output frames). */
  steps: number[];
  /** Measured seconds per step (after a warm-up). */
  windowS: number;
  /** The audio soak: rooms and seconds. */
  soakRooms: number;
  soakS: number;
  /** Skip the 1280×720@30 room. */
  skipHd: boolean;
}

export const USAGE = `usage: bench/mcu/run.ts [--long] [--quick] [--steps=1,2,3,4,5,6] [--seconds=12] [--soak-rooms=1] [--soak-seconds=60] [--no-hd]
  --long: the 10-minute audio soak (--soak-seconds=600)`;

const int = (name: string, v: string, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}–${max}, got "${v}"`);
  return n;
};

export function parseMcuArgs(argv: readonly string[]): McuBenchArgs {
  const a: McuBenchArgs = { steps: [1, 2, 3, 4, 5, 6], windowS: 12, soakRooms: 1, soakS: 60, skipHd: false };
  for (const arg of argv) {
    if (!arg.startsWith('--')) throw new Error(`unknown argument "${arg}"\n${USAGE}`);
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const value = eq < 0 ? '' : arg.slice(eq + 1);
    switch (name) {
      case 'long':
        a.soakS = 600;
        break;
      case 'quick':
        Object.assign(a, { steps: [1, 2], windowS: 6, soakS: 20 });
        break;
      case 'steps':
        a.steps = value.split(',').map((v) => int(name, v, 1, 12));
        if (a.steps.length > 12) throw new Error('--steps: at most 12 steps');
        break;
      case 'seconds':
        a.windowS = int(name, value, 3, 120);
        break;
      case 'soak-rooms':
        a.soakRooms = int(name, value, 1, 12);
        break;
      case 'soak-seconds':
        a.soakS = int(name, value, 5, 1800);
        break;
      case 'no-hd':
        a.skipHd = true;
        break;
      case 'help':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown flag --${name}\n${USAGE}`);
    }
  }
  return a;
}
