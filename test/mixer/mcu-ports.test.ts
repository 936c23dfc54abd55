import { describe, expect, it } from 'vitest';
import { McuPeer, RoomMixer, WorkerCompositor } from '@parley/mixer';
import { until, useCleanups, wrtc } from './wrtc-setup.ts';

/**
 * `mcu.portRange`: the MCU's libwebrtc connections listen only on the configured UDP ports (what an operator opens
 * in a firewall), and a client still connects and receives through them.
 */
const cleanups = useCleanups();
const RANGE = { min: 41230, max: 41233 };

function candidatePorts(sdp: string): number[] {
  return [...sdp.matchAll(/^a=candidate:\S+ \d+ udp \d+ \S+ (\d+) typ/gm)].map((m) => Number(m[1]));
}

describe('MCU connections in a configured port range', () => {
  it('every UDP candidate of two MCU connections is inside the range, and media flows through them', async () => {
    const mixer = new RoomMixer({ wrtc, width: 320, height: 180, fps: 15, layout: 'grid', createCompositor: () => new WorkerCompositor() });
    cleanups.push(() => mixer.close());
    const ports: number[] = [];
    const received: number[] = [];
    for (const id of ['a', 'b']) {
      const peer = new McuPeer({ wrtc, outputs: mixer.addParticipant(id, id), onInput: () => undefined, onInputEnded: () => undefined, videoBitrateBps: 200_000, configuration: { portRange: RANGE } });
      cleanups.push(() => peer.close());
      const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
      cleanups.push(() => pc.close());
      pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.addTransceiver('video', { direction: 'recvonly' });
      const index = received.push(0) - 1;
      pc.ontrack = ({ track }) => {
        if (track.kind !== 'audio') return;
        const sink = new wrtc.nonstandard.RTCAudioSink(track);
        sink.ondata = () => void (received[index] = (received[index] ?? 0) + 1);
        cleanups.push(() => sink.stop());
      };
      await pc.setLocalDescription(await pc.createOffer());
      await until(() => pc.iceGatheringState === 'complete', 5000, 'client gathering');
      const answer = await peer.answer(pc.localDescription!.sdp!);
      const mine = candidatePorts(answer);
      expect(mine.length, 'UDP candidates in the MCU answer').toBeGreaterThan(0);
      ports.push(...mine);
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    }
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(RANGE.min);
      expect(port).toBeLessThanOrEqual(RANGE.max);
    }
    // Two connections, two sockets: the range is shared, not reused.
    expect(new Set(ports).size).toBeGreaterThanOrEqual(2);
    // A mixer with listeners but no inputs sends silence: audio arrives at both through the ranged ports.
    await until(() => received.every((n) => n > 50), 15_000, 'audio at both clients');
  });
});
