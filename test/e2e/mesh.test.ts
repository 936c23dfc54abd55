import { afterAll, describe, expect, it } from 'vitest';
import { expectMediaFlowing, remoteStats, waitUntil, type Participant } from '../support/browser.ts';
import { useCallHarness } from '../support/harness.ts';
import { cutMediaPath } from '../support/netem.ts';

describe('mesh calls in Chromium', () => {
  const h = useCallHarness();
  it('two participants each decode the other\'s video and receive audio', async () => {
    await h.join('two', 'Alice');
    await h.join('two', 'Bob');
    const stats = await expectMediaFlowing(h.open);
    for (const s of stats.values()) expect(s[0]?.frameWidth).toBeGreaterThan(0);
    // The other person's tile is on screen with their name.
    await expect.poll(() => h.open[0]!.page.locator('figure.tile figcaption').allTextContents()).toContain('Bob');
  });

  it('four participants in a mesh each decode three remote videos', async () => {
    // A mesh room by choice: an `auto` room (the default) would move four people to the SFU.
    await h.server.createRoom({ id: 'four', topology: 'mesh' });
    for (const name of ['Ann', 'Ben', 'Cat', 'Dan']) await h.join('four', name);
    const stats = await expectMediaFlowing(h.open, 2000, 45_000);
    for (const [, s] of stats) expect(s).toHaveLength(3);
  });

  it('when a participant leaves, the others drop its tile and peer connection within 2 s', async () => {
    for (const name of ['Eve', 'Fay', 'Gus']) await h.join('leave', name);
    await expectMediaFlowing(h.open, 500);
    const leaver = h.open.pop() as Participant;
    const t0 = Date.now();
    await leaver.page.getByRole('button', { name: 'Leave' }).click();
    for (const p of h.open) {
      await waitUntil(
        async () => {
          const tiles = await p.page.locator('figure.tile').count();
          const peers = await remoteStats(p.page);
          return tiles === 2 && peers.length === 1 && peers[0]?.participantId !== leaver.id;
        },
        2000,
        `${p.name} to drop ${leaver.name}`,
        50,
      );
    }
    expect(Date.now() - t0).toBeLessThan(2000);
    // The peer connection to the leaver is closed, not just hidden.
    const closed = await h.open[0]!.page.evaluate(() => window.parley?.room.participants.size);
    expect(closed).toBe(1);
    await leaver.context.close();
  });
});

describe('mesh renegotiation in Chromium', () => {
  const h = useCallHarness({ keepAcrossTests: true });
  const remoteVideoTracks = (p: Participant) => p.page.evaluate(() => [...(window.parley?.room.participants.values() ?? [])].map((r) => r.stream.getVideoTracks().filter((t) => t.readyState === 'live').length));

  it('removing and re-adding a track renegotiates: the other side loses, then decodes the video again', async () => {
    const alice = await h.join('reneg', 'Alice');
    const bob = await h.join('reneg', 'Bob');
    await expectMediaFlowing(h.open, 500);
    await bob.page.evaluate(() => {
      const { room, localStream } = window.parley!;
      room.unpublish(localStream!.getVideoTracks()[0]!);
    });
    await waitUntil(async () => (await remoteVideoTracks(alice))[0] === 0, 5000, 'Alice to lose Bob\'s video');
    await bob.page.evaluate(() => {
      const { room, localStream } = window.parley!;
      room.publish(localStream!, localStream!.getVideoTracks());
    });
    await waitUntil(async () => (await remoteVideoTracks(alice))[0] === 1, 5000, 'Alice to get Bob\'s video back');
    await expectMediaFlowing(h.open, 1000);
  });

  it('both sides adding a track at the same moment (offer collision) ends with each receiving the other\'s', async () => {
    const [alice, bob] = h.open as [Participant, Participant];
    const addCanvasTrack = (p: Participant) =>
      p.page.evaluate(() => {
        const canvas = document.createElement('canvas');
        canvas.width = 320;
        canvas.height = 180;
        const ctx = canvas.getContext('2d')!;
        let n = 0;
        setInterval(() => {
          ctx.fillStyle = `hsl(${(n += 7) % 360} 80% 50%)`;
          ctx.fillRect(0, 0, 320, 180);
        }, 50);
        const stream = canvas.captureStream(15);
        window.parley!.room.publish(stream);
      });
    await Promise.all([addCanvasTrack(alice), addCanvasTrack(bob)]);
    for (const p of [alice, bob]) await waitUntil(async () => (await remoteVideoTracks(p))[0] === 2, 10_000, `${p.name} to receive two videos`);
    const states = await Promise.all([alice, bob].map((p) => p.page.evaluate(() => [...window.parley!.room.participants.values()].map((r) => r.peer?.pc.signalingState))));
    expect(states.flat()).toEqual(['stable', 'stable']);
    await expectMediaFlowing(h.open, 1000);
  });
});

describe('mesh ICE restart in Chromium', () => {
  const h = useCallHarness({ keepAcrossTests: true });
  let restore: (() => void) | undefined;
  afterAll(() => restore?.());
  it('a media path that stays down triggers an ICE restart, and the call recovers once the path is back', async () => {
    const alice = await h.join('restart', 'Alice');
    const bob = await h.join('restart', 'Bob');
    await expectMediaFlowing(h.open, 500);
    const ufrag = (p: Participant) => p.page.evaluate(() => /a=ice-ufrag:(\S+)/.exec([...window.parley!.room.participants.values()][0]?.peer?.pc.remoteDescription?.sdp ?? '')?.[1]);
    const restarts = (p: Participant) => p.page.evaluate(() => [...window.parley!.room.participants.values()][0]?.peer?.iceRestarts ?? 0);
    const ufragBefore = await ufrag(alice);

    restore = cutMediaPath(h.server.port);
    await waitUntil(async () => (await restarts(alice)) + (await restarts(bob)) > 0, 30_000, 'an ICE restart', 250);
    restore();
    restore = undefined;

    // Recovered through a real restart: new ICE credentials (not a blip that healed by itself) and connected.
    await waitUntil(
      async () => {
        const states = await Promise.all(h.open.map((p) => p.page.evaluate(() => [...window.parley!.room.participants.values()][0]?.peer?.pc.iceConnectionState)));
        return (await ufrag(alice)) !== ufragBefore && states.every((s) => s === 'connected' || s === 'completed');
      },
      30_000,
      'ICE to reconnect with new credentials',
    );
    await expectMediaFlowing(h.open, 1000);
  });
});
