import { McuPeer, McuPeerClosedError, RoomMixer, WorkerCompositor, loadWrtc, offerReceives, offerSends, sdpSections, type Wrtc } from '@parley/mixer';
import { ProtocolError, checkSdp } from '@parley/protocol';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { Room } from './room.ts';
import type { Session } from './session.ts';

interface PeerEntry {
  peer: McuPeer;
  room: Room;
  participantId: string;
}

/**
 * The MCU as the application sees it: a RoomMixer per `mcu` room (made on the first offer, closed when its
 * last participant leaves) and a peer connection per participant. The native engine loads on first use, so a
 * server that never mixes never pays for it; if it cannot load, `mcu` rooms are refused with MCU_UNAVAILABLE.
 */
export class McuService {
  readonly #config: Config['mcu'];
  readonly #log: Logger;
  readonly #metrics: Metrics;
  readonly #load: () => Wrtc;
  #wrtc: Wrtc | undefined;
  #loadError: Error | undefined;
  readonly #mixers = new Map<Room, RoomMixer>();
  readonly #peers = new Map<string, PeerEntry>();
  /** Counts of mixers already closed, so the totals never go down. */
  readonly #past = { videoFrames: 0, underruns: 0 };
  #closed = false;

  constructor(config: Config, logger: Logger, metrics: Metrics, load: () => Wrtc = loadWrtc) {
    this.#config = config.mcu;
    this.#log = logger.child({ component: 'mcu' });
    this.#metrics = metrics;
    this.#load = load;
  }

  /** Undefined when the operator turned the MCU off. */
  static create(config: Config, logger: Logger, metrics: Metrics): McuService | undefined {
    return config.mcu.enabled ? new McuService(config, logger, metrics) : undefined;
  }

  /** Whether the engine loads (tried once; the answer is kept). */
  available(): boolean {
    try {
      this.#engine();
      return true;
    } catch {
      return false;
    }
  }

  #engine(): Wrtc {
    if (this.#wrtc) return this.#wrtc;
    if (!this.#loadError) {
      try {
        this.#wrtc = this.#load();
        this.#log.info('MCU engine (@roamhq/wrtc) loaded');
        return this.#wrtc;
      } catch (err) {
        this.#loadError = err as Error;
        this.#log.warn({ err: (err as Error).message }, 'MCU engine unavailable: mcu rooms are refused');
      }
    }
    throw new ProtocolError('MCU_UNAVAILABLE', 'this server cannot mix media (the MCU engine did not load)');
  }

  #mixerFor(room: Room, wrtc: Wrtc): RoomMixer {
    let mixer = this.#mixers.get(room);
    if (mixer) return mixer;
    const { width, height, fps, layout } = this.#config;
    mixer = new RoomMixer({
      wrtc,
      width,
      height,
      fps,
      layout,
      createCompositor: () => new WorkerCompositor(),
      log: (message, detail) => this.#log.warn({ room: room.id, err: detail instanceof Error ? detail.message : detail }, message),
    });
    this.#mixers.set(room, mixer);
    this.#log.info({ room: room.id, width, height, fps }, 'room mixer created');
    return mixer;
  }

  /** Handles `mcuOffer`: the answer SDP, with the server's candidates. */
  async offer(session: Session, room: Room, sdp: string): Promise<{ sdp: string }> {
    if (this.#closed) throw new ProtocolError('MCU_UNAVAILABLE', 'the MCU is shutting down');
    if (room.topology !== 'mcu') throw new ProtocolError('WRONG_TOPOLOGY', 'this room is not mixed by the MCU');
    const why = checkSdp(sdp);
    if (why) throw new ProtocolError('INVALID_SDP', why);
    const sections = sdpSections(sdp);
    if (sections.some(offerSends) && !session.grants.publish) throw new ProtocolError('FORBIDDEN', 'this token does not grant publishing');
    if (sections.some(offerReceives) && !session.grants.subscribe) throw new ProtocolError('FORBIDDEN', 'this token does not grant subscribing');
    const wrtc = this.#engine();
    const participantId = session.participant.id;
    let entry = this.#peers.get(session.id);
    if (!entry) {
      const mixer = this.#mixerFor(room, wrtc);
      const outputs = mixer.addParticipant(participantId, session.participant.name);
      const log = this.#log.child({ room: room.id, participant: participantId });
      const peer = new McuPeer({
        wrtc,
        outputs,
        onInput: (track) => {
          log.debug({ kind: track.kind }, 'MCU input');
          if (!mixer.closed && mixer.has(participantId)) mixer.setInput(participantId, track);
        },
        onInputEnded: (kind) => mixer.removeInput(participantId, kind),
        onConnectionStateChange: (state) => log.debug({ state }, 'MCU connection state'),
        videoBitrateBps: this.#config.videoBitrateBps,
      });
      entry = { peer, room, participantId };
      this.#peers.set(session.id, entry);
    }
    try {
      return { sdp: await entry.peer.answer(sdp) };
    } catch (err) {
      if (err instanceof McuPeerClosedError) throw new ProtocolError('SESSION_CLOSED', 'the MCU connection closed while negotiating');
      // The engine refused the description: the offer was not one it can answer.
      throw new ProtocolError('INVALID_SDP', `the MCU cannot answer this offer: ${(err as Error).message}`);
    }
  }

  rename(session: Session): void {
    const entry = this.#peers.get(session.id);
    if (entry) this.#mixers.get(entry.room)?.rename(entry.participantId, session.participant.name);
  }

  /** The participant left: their connection closes, their tile and voice go; the last one out closes the mixer. */
  leave(session: Session): void {
    const entry = this.#peers.get(session.id);
    if (!entry) return;
    this.#peers.delete(session.id);
    entry.peer.close();
    const mixer = this.#mixers.get(entry.room);
    mixer?.removeParticipant(entry.participantId);
    if (mixer && mixer.size === 0) this.releaseRoom(entry.room);
  }

  /** The room is gone or empty: every connection in it closes, and its mixer. */
  releaseRoom(room: Room): void {
    for (const [id, entry] of this.#peers) {
      if (entry.room !== room) continue;
      this.#peers.delete(id);
      entry.peer.close();
    }
    const mixer = this.#mixers.get(room);
    if (!mixer) return;
    this.#mixers.delete(room);
    const stats = mixer.stats;
    this.#past.videoFrames += stats.videoFramesOut;
    this.#past.underruns += stats.audioUnderruns;
    mixer.close().catch((err: unknown) => this.#log.error({ err, room: room.id }, 'closing the room mixer failed'));
    this.#log.info({ room: room.id, videoFramesOut: stats.videoFramesOut, audioUnderruns: stats.audioUnderruns }, 'room mixer closed');
  }

  hasPeer(session: Session): boolean {
    return this.#peers.has(session.id);
  }

  /** Per room, what the mixer is doing: for tests and an operator's dashboard. */
  snapshot(): Array<Record<string, unknown>> {
    return [...this.#mixers].map(([room, mixer]) => ({ room: room.id, encoding: mixer.encoding, width: mixer.width, height: mixer.height, fps: mixer.fps, ...mixer.stats }));
  }

  collectMetrics(): void {
    let participants = 0;
    let videoFrames = this.#past.videoFrames;
    let underruns = this.#past.underruns;
    for (const mixer of this.#mixers.values()) {
      const s = mixer.stats;
      participants += s.participants;
      videoFrames += s.videoFramesOut;
      underruns += s.audioUnderruns;
    }
    this.#metrics.mcuRooms.set(this.#mixers.size);
    this.#metrics.mcuParticipants.set(participants);
    this.#metrics.mcuVideoFrames.set(videoFrames);
    this.#metrics.mcuAudioUnderruns.set(underruns);
  }

  /** Closes every peer connection and mixer: the engine crashes the process at exit if one stays open. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const entry of this.#peers.values()) entry.peer.close();
    this.#peers.clear();
    const mixers = [...this.#mixers.values()];
    this.#mixers.clear();
    await Promise.all(mixers.map((m) => m.close()));
  }
}
