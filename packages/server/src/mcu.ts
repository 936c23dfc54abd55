import { McuPeer, RoomMixer, WorkerCompositor, loadWrtc, offerReceives, offerSends, sdpSections, type Wrtc } from '@parley/mixer';
import { ProtocolError, checkSdp, type McuSendLimit } from '@parley/protocol';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { Room } from './room.ts';
import type { Session } from './session.ts';
import type { SfuService } from './sfu.ts';
import { McuDownlinks, answerOffer } from './mcu-downlink.ts';
import type { McuNetwork } from './mcu-network.ts';

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
  readonly #network: McuNetwork;
  /** Sessions whose last `mediaState` announced a screen (kept until their MCU connection exists). */
  readonly #presenting = new Set<string>();
  readonly #log: Logger;
  readonly #metrics: Metrics;
  readonly #load: () => Wrtc;
  #wrtc: Wrtc | undefined;
  #loadError: Error | undefined;
  readonly #mixers = new Map<Room, RoomMixer>();
  readonly #peers = new Map<string, PeerEntry>();
  /** Counts of mixers already closed, so the totals never go down. */
  readonly #past = { videoFrames: 0, underruns: 0 };
  /** The MCU downlink of SFU rooms, once the SFU is known. */
  #downlinks: McuDownlinks | undefined;
  #closed = false;

  constructor(config: Config, logger: Logger, metrics: Metrics, load: () => Wrtc = loadWrtc) {
    this.#config = config.mcu;
    this.#network = { portRange: config.mcu.portRange, ...(config.media.announcedAddress ? { announcedAddress: config.media.announcedAddress } : {}) };
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

  /** SFU rooms can take the MCU downlink from now on (a participant's `mcuDownlink`). */
  useSfu(sfu: SfuService): void {
    this.#downlinks ??= new McuDownlinks({
      sfu,
      engine: () => this.#engine(),
      createMixer: (room, wrtc) => this.#createMixer(room, wrtc),
      retire: (mixer) => void this.#retire(mixer),
      videoBitrateBps: this.#config.videoBitrateBps,
      network: this.#network,
      log: this.#log.child({ downlink: true }),
    });
  }

  /** Handles `mcuDownlink`: on, the answer to the participant's receive-only offer; off, nothing. */
  async downlink(session: Session, room: Room, msg: { enabled: boolean; sdp?: string | undefined; showSelf?: boolean | undefined }): Promise<{ sdp: string } | undefined> {
    if (!msg.enabled) {
      this.#downlinks?.close(session);
      return undefined;
    }
    if (!this.#downlinks) throw new ProtocolError('WRONG_TOPOLOGY', 'the MCU downlink is for rooms using the SFU, and this server runs none');
    return this.#downlinks.open(session, room, msg.sdp ?? '', msg.showSelf ?? false);
  }

  /** Someone joined or left the room: an SFU room's mixer follows (a tile per participant). */
  roomChanged(room: Room): void {
    this.#downlinks?.sync(room);
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
    mixer = this.#createMixer(room, wrtc);
    this.#mixers.set(room, mixer);
    return mixer;
  }

  #createMixer(room: Room, wrtc: Wrtc): RoomMixer {
    const { width, height, fps, layout } = this.#config;
    const mixer = new RoomMixer({
      wrtc,
      width,
      height,
      fps,
      layout,
      createCompositor: () => new WorkerCompositor(),
      log: (message, detail) => this.#log.warn({ room: room.id, err: detail instanceof Error ? detail.message : detail }, message),
    });
    this.#log.info({ room: room.id, width, height, fps }, 'room mixer created');
    return mixer;
  }

  /** Handles `mcuOffer`: the answer SDP, with the server's candidates; `showSelf` puts their own tile in their composite. */
  async offer(session: Session, room: Room, sdp: string, showSelf = false): Promise<{ sdp: string; send: McuSendLimit }> {
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
        configuration: { portRange: this.#network.portRange },
      });
      entry = { peer, room, participantId };
      this.#peers.set(session.id, entry);
      if (this.#presenting.has(session.id)) mixer.setPresenting(participantId, true);
    }
    const mixer = this.#mixers.get(room);
    if (mixer?.has(participantId)) mixer.setListening(participantId, true, { showSelf });
    const { width, height, fps, videoBitrateBps } = this.#config;
    return { sdp: await answerOffer(entry.peer, sdp, this.#network), send: { width, height, fps, maxBitrateBps: videoBitrateBps } };
  }

  /**
   * The participant's announced media (`mediaState`): a screen among their sources makes their picture a screen
   * share, shown large to the others (the SDK sends the screen in place of the camera in `mcu` rooms).
   */
  mediaState(session: Session, sources: Readonly<Record<string, 'camera' | 'screen'>>): void {
    const presenting = Object.values(sources).includes('screen');
    if (presenting) this.#presenting.add(session.id);
    else this.#presenting.delete(session.id);
    const entry = this.#peers.get(session.id);
    if (entry) this.#mixers.get(entry.room)?.setPresenting(entry.participantId, presenting);
  }

  rename(session: Session): void {
    this.#downlinks?.rename(session);
    const entry = this.#peers.get(session.id);
    if (entry) this.#mixers.get(entry.room)?.rename(entry.participantId, session.participant.name);
  }

  /** The participant left: their connection closes, their tile and voice go; the last one out closes the mixer. */
  leave(session: Session): void {
    this.#downlinks?.close(session);
    this.#presenting.delete(session.id);
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
    this.#downlinks?.releaseRoom(room);
    for (const [id, entry] of this.#peers) {
      if (entry.room !== room) continue;
      this.#peers.delete(id);
      entry.peer.close();
    }
    const mixer = this.#mixers.get(room);
    if (!mixer) return;
    this.#mixers.delete(room);
    const stats = this.#retire(mixer);
    mixer.close().catch((err: unknown) => this.#log.error({ err, room: room.id }, 'closing the room mixer failed'));
    this.#log.info({ room: room.id, videoFramesOut: stats.videoFramesOut, audioUnderruns: stats.audioUnderruns }, 'room mixer closed');
  }

  /** A mixer about to close: its totals stay counted. */
  #retire(mixer: RoomMixer): RoomMixer['stats'] {
    const stats = mixer.stats;
    this.#past.videoFrames += stats.videoFramesOut;
    this.#past.underruns += stats.audioUnderruns;
    return stats;
  }

  hasPeer(session: Session): boolean {
    return this.#peers.has(session.id) || (this.#downlinks?.has(session) ?? false);
  }

  /** Per room, what the mixer is doing: for tests and an operator's dashboard. */
  snapshot(): Array<Record<string, unknown>> {
    return [...this.#mixers, ...(this.#downlinks?.mixers() ?? [])].map(([room, mixer]) => ({ room: room.id, encoding: mixer.encoding, width: mixer.width, height: mixer.height, fps: mixer.fps, ...mixer.stats }));
  }

  collectMetrics(): void {
    let participants = this.#downlinks?.downlinkCount ?? 0;
    let videoFrames = this.#past.videoFrames;
    let underruns = this.#past.underruns;
    for (const [room, mixer] of [...this.#mixers, ...(this.#downlinks?.mixers() ?? [])]) {
      const s = mixer.stats;
      // In an SFU room only those on the downlink are connected to the MCU; the others are mixed in from the SFU.
      if (room.topology === 'mcu') participants += s.participants;
      videoFrames += s.videoFramesOut;
      underruns += s.audioUnderruns;
    }
    this.#metrics.mcuRooms.set(this.#mixers.size + (this.#downlinks?.mixers().length ?? 0));
    this.#metrics.mcuParticipants.set(participants);
    this.#metrics.mcuVideoFrames.set(videoFrames);
    this.#metrics.mcuAudioUnderruns.set(underruns);
  }

  /** Closes every peer connection and mixer: the engine crashes the process at exit if one stays open. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#downlinks?.closeAll();
    for (const entry of this.#peers.values()) entry.peer.close();
    this.#peers.clear();
    const mixers = [...this.#mixers.values()];
    this.#mixers.clear();
    await Promise.all(mixers.map((m) => m.close()));
  }
}
