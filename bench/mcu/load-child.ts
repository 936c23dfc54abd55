// The load process (pinned to the other CPU): four libwebrtc participants per room, each sending a stamped picture
// and tone bursts and decoding its composite and mix; it reads the stamps and bursts back and reports per window.
import { FRAME_SAMPLES, SAMPLE_RATE_HZ, TickClock, createI420, gridLayout, loadWrtc, rgbToYuv, sineFrames, tonePower } from '@parley/mixer';
import type { I420Frame, WrtcAudioSource, WrtcPeerConnection, WrtcVideoFrame, WrtcVideoSource } from '@parley/mixer';
import type { LoadReport, LoadSpec, ToLoad } from './protocol.ts';
import { ageMs, drawStamp, monotonicMs, readStamp } from './stamp.ts';

const wrtc = loadWrtc();
const send = (m: unknown) => process.send!(m);
/** Whole cycles per 10 ms frame, so one frame's Goertzel bins do not leak into each other. */
const FREQS = [500, 700, 1100, 1300, 1700, 1900, 2300, 2900];
const BURST_FRAMES = 6;
const ON = 0.003; // tone power of a burst (amplitude 8000 ≈ 0.015) well above the threshold
const OFF = 0.001;

interface Publisher {
  room: string;
  index: number;
  audio: WrtcAudioSource;
  video: WrtcVideoSource;
  base: I420Frame;
}

const pcs: WrtcPeerConnection[] = [];
const stops: (() => void)[] = [];
const publishers: Publisher[] = [];
const burstSentMs = new Map<string, number>();
let spec: LoadSpec | undefined;
let clock: TickClock | undefined;
let win = { frames: new Map<string, number>(), minWidth: Infinity, video: [] as number[], audio: [] as number[], cpu: process.cpuUsage(), startMs: monotonicMs() };
const pendingAnswers = new Map<string, (m: Extract<ToLoad, { type: 'answer' }>) => void>();

function picture(p: Publisher, n: number, input: LoadSpec['input']): I420Frame {
  const frame = { ...p.base, data: p.base.data.slice() };
  // Something that moves (the encoders see motion, as with a camera), below the stamp.
  const x0 = (n * 12) % input.width;
  for (let y = Math.floor(input.height / 3); y < input.height; y++) frame.data.fill(200, y * input.width + x0, y * input.width + Math.min(input.width, x0 + 24));
  drawStamp(frame, monotonicMs());
  return frame;
}

function receive(pc: WrtcPeerConnection, key: string, room: string, self: number, tilesOf: (f: WrtcVideoFrame) => Array<{ x: number; y: number; width: number; height: number }>): void {
  const lastStamp = new Map<number, number>();
  const prev = new Map<number, number>();
  pc.ontrack = ({ track }) => {
    if (track.kind === 'video') {
      const sink = new wrtc.nonstandard.RTCVideoSink(track);
      stops.push(() => sink.stop());
      sink.onframe = ({ frame }) => {
        const now = monotonicMs();
        win.frames.set(key, (win.frames.get(key) ?? 0) + 1);
        win.minWidth = Math.min(win.minWidth, frame.width);
        tilesOf(frame).forEach((tile, i) => {
          const stamp = readStamp(frame, tile, spec!.input.width, spec!.input.height);
          if (stamp === undefined || stamp === lastStamp.get(i)) return;
          lastStamp.set(i, stamp); // a picture counts once: when it is first shown
          const age = ageMs(stamp, now);
          if (age < 5000) win.video.push(age);
        });
      };
    } else {
      const sink = new wrtc.nonstandard.RTCAudioSink(track);
      stops.push(() => sink.stop());
      sink.ondata = (d) => {
        if (d.sampleRate !== SAMPLE_RATE_HZ) return;
        const now = monotonicMs();
        const ch = d.channelCount ?? 1;
        const mono = ch === 1 ? d.samples : Int16Array.from({ length: d.samples.length / ch }, (_, i) => d.samples[i * ch]!);
        for (let q = 0; q < spec!.size; q++) {
          if (q === self) continue;
          const power = tonePower(mono, FREQS[q]!);
          const sent = burstSentMs.get(`${room}/${q}`);
          if (power > ON && (prev.get(q) ?? 0) < OFF && sent !== undefined && now - sent < 900) win.audio.push(now - sent);
          prev.set(q, power);
        }
      };
    }
  };
}

function negotiate(key: string, room: string, id: string, sdp: string): Promise<string> {
  return new Promise((resolve, reject) => {
    pendingAnswers.set(key, (m) => (m.sdp ? resolve(m.sdp) : reject(new Error(m.error ?? 'no answer'))));
    send({ type: 'offer', key, room, id, sdp });
  });
}

async function gathered(pc: WrtcPeerConnection): Promise<void> {
  const deadline = Date.now() + 5000;
  while (pc.iceGatheringState !== 'complete' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

function publisher(room: string, index: number, pc: WrtcPeerConnection, input: LoadSpec['input']): void {
  const audio = new wrtc.nonstandard.RTCAudioSource();
  const video = new wrtc.nonstandard.RTCVideoSource();
  const [at, vt] = [audio.createTrack(), video.createTrack()];
  stops.push(() => (at.stop(), vt.stop()));
  pc.addTransceiver(at, { direction: 'sendrecv' });
  pc.addTransceiver(vt, { direction: 'sendrecv' });
  publishers.push({ room, index, audio, video, base: createI420(input.width, input.height, rgbToYuv(60 + 40 * index, 120, 200 - 30 * index)) });
}

async function start(s: LoadSpec): Promise<void> {
  spec = s;
  const others = s.size - 1;
  const grid = gridLayout(others, s.output.width, s.output.height);
  for (const room of s.rooms) {
    if (s.direct) {
      const a = new wrtc.RTCPeerConnection();
      const b = new wrtc.RTCPeerConnection();
      pcs.push(a, b);
      publisher(room, 0, a, s.input);
      receive(b, `${room}/direct`, room, 1, (f) => [{ x: 0, y: 0, width: f.width, height: f.height }]);
      a.onicecandidate = (e) => void (e.candidate && b.addIceCandidate(e.candidate));
      b.onicecandidate = (e) => void (e.candidate && a.addIceCandidate(e.candidate));
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription(await b.createAnswer());
      await a.setRemoteDescription(b.localDescription!);
      continue;
    }
    for (let i = 0; i < s.size; i++) {
      const pc = new wrtc.RTCPeerConnection();
      pcs.push(pc);
      publisher(room, i, pc, s.input);
      receive(pc, `${room}/${i}`, room, i, () => grid);
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      await pc.setRemoteDescription({ type: 'answer', sdp: await negotiate(`${room}/${i}/${pcs.length}`, room, `p${i}`, pc.localDescription!.sdp!) });
    }
  }
  const tones = FREQS.map((f) => sineFrames(f, 8000));
  const silence = new Int16Array(FRAME_SAMPLES);
  const every = Math.max(1, Math.round(100 / s.input.fps));
  let n = 0;
  clock = new TickClock();
  clock.start((tick) => {
    for (const p of publishers) {
      const phase = (tick + 25 * p.index) % 100; // each publisher's burst in its own quarter second
      if (phase === 0) burstSentMs.set(`${p.room}/${p.index}`, monotonicMs());
      const samples = phase < BURST_FRAMES ? tones[p.index]!(tick) : silence;
      p.audio.onData({ samples, sampleRate: SAMPLE_RATE_HZ, bitsPerSample: 16, channelCount: 1, numberOfFrames: FRAME_SAMPLES });
      if (tick % every === 0) p.video.onFrame(picture(p, n, s.input));
    }
    if (tick % every === 0) n++;
  });
}

function report(): LoadReport {
  const now = monotonicMs();
  const seconds = (now - win.startMs) / 1000;
  const cpu = process.cpuUsage(win.cpu);
  const r: LoadReport = {
    type: 'report',
    fps: [...win.frames.values()].map((f) => f / seconds),
    minWidth: win.minWidth,
    videoLatencyMs: win.video,
    audioLatencyMs: win.audio,
    cpuPct: ((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100,
  };
  win = { frames: new Map([...win.frames.keys()].map((k) => [k, 0])), minWidth: Infinity, video: [], audio: [], cpu: process.cpuUsage(), startMs: now };
  return r;
}

function stopAll(): void {
  clock?.stop();
  for (const stop of stops.splice(0)) stop();
  for (const pc of pcs.splice(0)) pc.close();
  publishers.length = 0;
  burstSentMs.clear();
  win.frames.clear();
}

process.on('message', (m: ToLoad) => {
  switch (m.type) {
    case 'start':
      start(m.spec).then(() => send({ type: 'started' }), (err: unknown) => send({ type: 'fatal', message: (err as Error).stack ?? String(err) }));
      break;
    case 'answer':
      pendingAnswers.get(m.key)?.(m);
      pendingAnswers.delete(m.key);
      break;
    case 'report':
      send(report());
      break;
    case 'stopAll':
      stopAll();
      send({ type: 'stopped' });
      break;
    case 'exit':
      // Every peer connection closes before the process ends (libwebrtc segfaults at exit otherwise).
      stopAll();
      process.exit(0);
  }
});
process.on('disconnect', () => {
  stopAll();
  process.exit(0);
});
send({ type: 'ready' });
