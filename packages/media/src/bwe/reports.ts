/** The RTCP report helpers a transport needs, in one import: reception statistics for RRs and SR construction. */
export { ReceiveStreamStats } from './receive-stats.ts';
export { type SenderReportInput, senderReport } from './sender-report.ts';
export { type NtpTimestamp, ntpFromUnixMs, ntpMiddle32 } from './ntp.ts';
