/** NTP timestamps as RTCP carries them (RFC 3550 §4): 32 bits of seconds since 1900 and 32 bits of fraction. */
export interface NtpTimestamp {
  ntpSeconds: number;
  ntpFraction: number;
}

/** Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;
const TWO_32 = 0x1_0000_0000;

/** The NTP timestamp of a Unix time in ms (Date.now()); the seconds wrap in 2036 (era 1), as on the wire. */
export function ntpFromUnixMs(unixMs: number): NtpTimestamp {
  const seconds = Math.floor(unixMs / 1000);
  const fraction = Math.floor(((unixMs - seconds * 1000) / 1000) * TWO_32);
  return { ntpSeconds: (((seconds + NTP_UNIX_OFFSET_S) % TWO_32) + TWO_32) % TWO_32, ntpFraction: Math.min(fraction, TWO_32 - 1) };
}

/** RFC 3550 §6.4.1 LSR: the middle 32 bits of a 64-bit NTP timestamp (16 bits of seconds, 16 of fraction). */
export function ntpMiddle32(ntpSeconds: number, ntpFraction: number): number {
  return (((ntpSeconds & 0xffff) << 16) | (ntpFraction >>> 16)) >>> 0;
}
