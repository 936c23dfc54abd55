/** The protocol version this build speaks best. Bump on any incompatible change to the wire format. */
export const PROTOCOL_VERSION = 1;
/** Every version this build can speak, newest first. */
export const SUPPORTED_VERSIONS: readonly number[] = [1];

/** The highest version both sides speak, or undefined when there is none. */
export function negotiateVersion(offered: readonly number[], supported: readonly number[] = SUPPORTED_VERSIONS): number | undefined {
  let best: number | undefined;
  for (const v of offered) if (supported.includes(v) && (best === undefined || v > best)) best = v;
  return best;
}
