import { isIPv4 } from 'node:net';

/** Where the MCU's libwebrtc connections listen, and the address clients reach them at. */
export interface McuNetwork {
  /** UDP ports for the MCU's connections (config `mcu.portRange`). */
  portRange: { min: number; max: number };
  /** `media.announcedAddress`: the address clients reach this server at, when its own is not that (1:1 NAT). */
  announcedAddress?: string;
}

const HOST_CANDIDATE = /^a=candidate:(\S+) (\d+) (udp|tcp) (\d+) (\S+) (\d+) typ host(.*?)(\r?)$/gim;

/**
 * An MCU answer in which each host candidate has a twin at the announced address, same port and transport (a 1:1
 * NAT keeps ports, as it must for the SFU's one port): libwebrtc only knows the addresses of this host's
 * interfaces. The twin is of the announced address's family only, and comes first by priority (+1).
 */
export function withAnnouncedCandidates(sdp: string, address: string | undefined): string {
  if (!address) return sdp;
  const v4 = isIPv4(address);
  const seen = new Set<string>();
  return sdp.replace(HOST_CANDIDATE, (line, foundation: string, component: string, transport: string, priority: string, ip: string, port: string, rest: string, cr: string) => {
    // An active TCP candidate (port 9) only connects out: nothing to announce.
    if (ip === address || isIPv4(ip) !== v4 || /\btcptype active\b/.test(rest)) return line;
    const key = `${component} ${transport} ${port}`;
    if (seen.has(key)) return line;
    seen.add(key);
    const twin = `a=candidate:n${foundation} ${component} ${transport} ${Math.min(2 ** 31 - 1, Number(priority) + 1)} ${address} ${port} typ host${rest}`;
    return `${line}\n${twin}${cr}`; // the line keeps its own \r, the twin gets the same ending
  });
}
