import type { Topology, TopologyPolicy } from '@parley/protocol';

/** What the policy wants for a room of `size`: stay, switch to the SFU now, or return to mesh after a delay. */
export type TopologyDecision = Topology | 'return-later';

/**
 * `auto`: participant meshMax + 1 moves the room to the SFU at once; a room back at meshMax or fewer returns to
 * mesh only after staying that small for `meshReturnDelayMs` (the caller's timer is the hysteresis: someone who
 * leaves and rejoins, or a room hovering at the threshold, does not flap). Fixed policies never move.
 */
export function nextTopology(policy: TopologyPolicy, current: Topology, size: number, meshMax: number): TopologyDecision {
  if (policy !== 'auto') return policy;
  if (size > meshMax) return 'sfu';
  if (current === 'sfu') return 'return-later';
  return current;
}
