// The mixer process (pinned to its own CPU by run.ts): a RoomMixer per room and an McuPeer per participant, as
// the server's McuService wires them, answering the load process's offers over IPC. Reports what it did per window.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { McuPeer, RoomMixer, WorkerCompositor, loadWrtc } from '@parley/mixer';
import type { ToMixer, MixerWindow } from './protocol.ts';

const wrtc = loadWrtc();
const send = (m: unknown) => process.send!(m);
const rooms = new Map<string, RoomMixer>();
const peers: McuPeer[] = [];
/** Counts of mixers already closed, so window deltas stay right across phases. */
const past = { out: 0, skipped: 0, late: 0, glitches: 0, audioOut: 0 };
let last = { ...past };
let config = { width: 640, height: 360, fps: 15, videoBitrateBps: 800_000 };
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();

function totals(): typeof past {
  const t = { ...past };
  for (const mixer of rooms.values()) {
    const s = mixer.stats;
    t.out += s.videoFramesOut;
    t.skipped += s.videoFramesSkipped;
    t.late += s.videoFramesLate;
    t.glitches += s.audioUnderruns;
    t.audioOut += s.audioFramesOut;
  }
  return t;
}

async function closeAll(): Promise<void> {
  for (const peer of peers.splice(0)) peer.close();
  Object.assign(past, totals());
  const mixers = [...rooms.values()];
  rooms.clear();
  await Promise.all(mixers.map((m) => m.close()));
}

process.on('message', (m: ToMixer) => {
  void (async () => {
    switch (m.type) {
      case 'configure':
        config = m.config;
        send({ type: 'configured' });
        break;
      case 'offer': {
        let mixer = rooms.get(m.room);
        if (!mixer) {
          mixer = new RoomMixer({ wrtc, ...config, layout: 'grid', createCompositor: () => new WorkerCompositor(), log: (msg, detail) => console.error(`mixer ${m.room}: ${msg}`, detail) });
          rooms.set(m.room, mixer);
        }
        const room = mixer;
        const peer = new McuPeer({ wrtc, outputs: room.addParticipant(m.id, m.id), onInput: (t) => room.setInput(m.id, t), onInputEnded: (k) => room.removeInput(m.id, k), videoBitrateBps: config.videoBitrateBps });
        peers.push(peer);
        try {
          send({ type: `answer:${m.key}`, sdp: await peer.answer(m.sdp) });
        } catch (err) {
          send({ type: `answer:${m.key}`, error: (err as Error).message });
        }
        break;
      }
      case 'window': {
        const now = totals();
        const w: MixerWindow = {
          type: 'window',
          videoFramesOut: now.out - last.out,
          videoFramesSkipped: now.skipped - last.skipped,
          videoFramesLate: now.late - last.late,
          audioGlitches: now.glitches - last.glitches,
          audioFramesOut: now.audioOut - last.audioOut,
          eventLoopP99Ms: delay.percentile(99) / 1e6,
          eventLoopMaxMs: delay.max / 1e6,
          listeners: [...rooms.values()].reduce((n, r) => n + r.size, 0),
        };
        last = now;
        delay.reset();
        send(w);
        break;
      }
      case 'closeRooms':
        await closeAll();
        last = totals();
        send({ type: 'closed' });
        break;
      case 'exit':
        // Every peer connection closes before the process ends (libwebrtc segfaults at exit otherwise).
        await closeAll();
        process.exit(0);
    }
  })().catch((err: unknown) => send({ type: 'fatal', message: (err as Error).stack ?? String(err) }));
});
process.on('disconnect', () => void closeAll().then(() => process.exit(0)));
send({ type: 'ready' });
