import type { ReportBlock, RtcpSenderReport } from '../rtcp-reports.ts';
import { addTimestamp } from '../seq.ts';
import { ntpFromUnixMs } from './ntp.ts';

export interface SenderReportInput {
  /** The SSRC we send this stream with (for a consumer: its rewritten SSRC). */
  ssrc: number;
  /** RTP clock rate of the stream's codec. */
  clockRate: number;
  /** RTP timestamp of the last packet sent, in the stream's output timestamp space. */
  rtpTimestamp: number;
  /** When that packet was sent, ms, on the same monotonic clock as `nowMs`. */
  sentAtMs: number;
  /** Packets and payload octets sent since the stream started (RFC 3550 §6.4.1; both wrap at 2^32). */
  packets: number;
  octets: number;
  /** Now, ms, monotonic clock (performance.now()). */
  nowMs: number;
  /** Now, ms since the Unix epoch: becomes the NTP timestamp. Default `performance.timeOrigin + nowMs`. */
  wallClockMs?: number;
  /** Reception report blocks to piggyback (at most 31). */
  reports?: ReportBlock[];
}

/**
 * Builds a sender report (RFC 3550 §6.4.1). Its RTP timestamp must correspond to the same instant as its NTP
 * timestamp, not to the last packet, so it is extrapolated from the last packet by the time elapsed since at the
 * codec's clock rate: receivers pair the two for lip sync (§6.4.1).
 */
export function senderReport(input: SenderReportInput): RtcpSenderReport {
  if (!(input.clockRate > 0)) throw new RangeError(`RTP clock rate must be positive, got ${input.clockRate}`);
  const elapsedTicks = Math.round(((input.nowMs - input.sentAtMs) * input.clockRate) / 1000);
  const { ntpSeconds, ntpFraction } = ntpFromUnixMs(input.wallClockMs ?? performance.timeOrigin + input.nowMs);
  return {
    type: 'sr',
    ssrc: input.ssrc >>> 0,
    ntpSeconds,
    ntpFraction,
    rtpTimestamp: addTimestamp(input.rtpTimestamp >>> 0, elapsedTicks),
    packetCount: input.packets % 0x1_0000_0000,
    octetCount: input.octets % 0x1_0000_0000,
    reports: input.reports ?? [],
  };
}
