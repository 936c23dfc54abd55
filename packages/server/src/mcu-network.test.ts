import { describe, expect, it } from 'vitest';
import { withAnnouncedCandidates } from './mcu-network.ts';

const ANSWER = [
  'v=0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=candidate:1510613869 1 udp 2122260223 10.0.0.5 40123 typ host generation 0 network-id 1',
  'a=candidate:2999745851 1 udp 2122194687 172.17.0.1 40187 typ host generation 0 network-id 2',
  'a=candidate:4220471234 1 udp 2122129151 fd00::5 40201 typ host generation 0 network-id 3',
  'a=candidate:344579997 1 tcp 1518280447 10.0.0.5 9 typ host tcptype active generation 0 network-id 1',
  'a=end-of-candidates',
  '',
].join('\r\n');

describe('withAnnouncedCandidates', () => {
  it('adds, after each IPv4 host candidate, its twin at the announced address on the same port, first by priority', () => {
    const out = withAnnouncedCandidates(ANSWER, '203.0.113.7');
    const lines = out.split('\r\n');
    expect(lines).toContain('a=candidate:n1510613869 1 udp 2122260224 203.0.113.7 40123 typ host generation 0 network-id 1');
    expect(lines).toContain('a=candidate:n2999745851 1 udp 2122194688 203.0.113.7 40187 typ host generation 0 network-id 2');
    expect(lines.filter((l) => l.includes('203.0.113.7'))).toHaveLength(2); // an active TCP candidate only connects out
    expect(lines.filter((l) => l.includes('fd00::5'))).toHaveLength(1); // other family: untouched
    // Every original line is still there, in order.
    expect(out.split('\r\n').filter((l) => !l.includes('203.0.113.7')).join('\r\n')).toBe(ANSWER);
  });

  it('an IPv6 announced address twins IPv6 candidates only', () => {
    const out = withAnnouncedCandidates(ANSWER, '2001:db8::7');
    expect(out.split('\r\n').filter((l) => l.includes('2001:db8::7'))).toEqual(['a=candidate:n4220471234 1 udp 2122129152 2001:db8::7 40201 typ host generation 0 network-id 3']);
  });

  it('changes nothing without an announced address, or when a candidate already has it', () => {
    expect(withAnnouncedCandidates(ANSWER, undefined)).toBe(ANSWER);
    // 10.0.0.5's own candidates get no twin; the other interface's does.
    expect(withAnnouncedCandidates(ANSWER, '10.0.0.5').split('\r\n').filter((l) => l.includes('10.0.0.5'))).toEqual([
      'a=candidate:1510613869 1 udp 2122260223 10.0.0.5 40123 typ host generation 0 network-id 1',
      'a=candidate:n2999745851 1 udp 2122194688 10.0.0.5 40187 typ host generation 0 network-id 2',
      'a=candidate:344579997 1 tcp 1518280447 10.0.0.5 9 typ host tcptype active generation 0 network-id 1',
    ]);
  });
});
