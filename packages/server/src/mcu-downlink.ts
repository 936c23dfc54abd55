import { McuPeer, McuPeerClosedError, offerSends, sdpSections, type RoomMixer, type Wrtc } from '@parley/mixer';
import { ProtocolError, checkSdp } from '@parley/protocol';
import type { Logger } from './logger.ts';
import { McuFeed } from './mcu-feed.ts';
import { withAnnouncedCandidates, type McuNetwork } from './mcu-network.ts';
import type { Room } from './room.ts';
import type { Session } from './session.ts';
import type { SfuService } from './sfu.ts';

/**
 * An MCU peer's answer (its candidates also at the announced address), its failures as protocol errors: closed
 * meanwhile, or an offer the engine refused.
 */
export async function answerOffer(peer: McuPeer, sdp: string, network: McuNetwork): Promise<string> {
  let answer: string;
  try {
    answer = await peer.answer(sdp);
  } catch (err) {
    if (err instanceof McuPeerClosedError) throw new ProtocolError('SESSION_CLOSED', 'the MCU connection closed while negotiating');
    throw new ProtocolError('INVALID_SDP', `the MCU cannot answer this offer: ${(err as Error).message}`);
  }
  // libwebrtc gathers no UDP candidate when every port of mcu.portRange is taken: say so rather than never connect.
  if (!/^a=candidate:\S+ \d+ udp /im.test(answer)) throw new ProtocolError('MCU_UNAVAILABLE', 'the MCU has no free UDP port (mcu.portRange) for another connection');
  return withAnnouncedCandidates(answer, network.announcedAddress);
}

/** How long an answer waits for the feed to decode every camera, so that the composite starts with pictures. */
const FEED_READY_TIMEOUT_MS = 3000;

export interface McuDownlinksOptions {
  sfu: SfuService;
  /** The engine (throws MCU_UNAVAILABLE when it cannot load). */
  engine: () => Wrtc;
  createMixer: (room: Room, wrtc: Wrtc) => RoomMixer;
  /** A mixer is about to close (its totals are kept). */
  retire: (mixer: RoomMixer) => void;
  videoBitrateBps: number;
  network: McuNetwork;
  log: Logger;
}

interface Downlink {
  peer: McuPeer;
  room: Room;
  participantId: string;
}

/**
 * The MCU downlink of SFU rooms (`mcuDownlink`): a participant who asks gets one composite of everyone else and one
 * mix-minus instead of a stream per participant, while they keep publishing to the SFU and the others keep their
 * SFU streams. A room's feed and mixer are made when its first participant asks and closed when the last one gives
 * the downlink back.
 */
export class McuDownlinks {
  readonly #options: McuDownlinksOptions;
  readonly #feeds = new Map<Room, McuFeed>();
  readonly #downlinks = new Map<string, Downlink>();
  #closed = false;

  constructor(options: McuDownlinksOptions) {
    this.#options = options;
    options.sfu.watchProducers((room) => this.sync(room));
  }

  /** Handles `mcuDownlink` on: the answer to a receive-only offer, with the server's candidates. */
  async open(session: Session, room: Room, sdp: string, showSelf: boolean): Promise<{ sdp: string }> {
    if (this.#closed) throw new ProtocolError('MCU_UNAVAILABLE', 'the MCU is shutting down');
    if (room.topology !== 'sfu') throw new ProtocolError('WRONG_TOPOLOGY', 'the MCU downlink is for rooms using the SFU');
    const why = checkSdp(sdp);
    if (why) throw new ProtocolError('INVALID_SDP', why);
    if (sdpSections(sdp).some(offerSends)) throw new ProtocolError('INVALID_SDP', 'the MCU downlink only receives: publish to the SFU');
    if (!session.grants.subscribe) throw new ProtocolError('FORBIDDEN', 'this token does not grant subscribing');
    const wrtc = this.#options.engine();
    const participantId = session.participant.id;
    const feed = this.#feedFor(room, wrtc);
    feed.mixer.setListening(participantId, true, { showSelf });
    let downlink = this.#downlinks.get(session.id);
    if (!downlink) {
      const log = this.#options.log.child({ room: room.id, participant: participantId });
      const peer = new McuPeer({
        wrtc,
        outputs: feed.mixer.addParticipant(participantId, session.participant.name),
        // Receive-only: nothing comes up this connection (the participant publishes to the SFU).
        onInput: () => undefined,
        onInputEnded: () => undefined,
        onConnectionStateChange: (state) => log.debug({ state }, 'MCU downlink connection state'),
        videoBitrateBps: this.#options.videoBitrateBps,
        configuration: { portRange: this.#options.network.portRange },
      });
      downlink = { peer, room, participantId };
      this.#downlinks.set(session.id, downlink);
      log.info('MCU downlink opened');
    }
    await feed.ready(FEED_READY_TIMEOUT_MS);
    return { sdp: await answerOffer(downlink.peer, sdp, this.#options.network) };
  }

  /** The participant gives the downlink back (`mcuDownlink` off, or they left): the room's feed closes with the last. */
  close(session: Session): void {
    const downlink = this.#downlinks.get(session.id);
    if (!downlink) return;
    this.#downlinks.delete(session.id);
    downlink.peer.close();
    const feed = this.#feeds.get(downlink.room);
    if (feed && !feed.mixer.closed && feed.mixer.has(downlink.participantId)) feed.mixer.setListening(downlink.participantId, false);
    if (![...this.#downlinks.values()].some((d) => d.room === downlink.room)) this.releaseRoom(downlink.room);
    this.#options.log.info({ room: downlink.room.id, participant: downlink.participantId }, 'MCU downlink closed');
  }

  has(session: Session): boolean {
    return this.#downlinks.has(session.id);
  }

  /** Participants or producers of the room changed; a room no longer on the SFU loses its downlinks. */
  sync(room: Room): void {
    const feed = this.#feeds.get(room);
    if (!feed) return;
    if (room.topology !== 'sfu') {
      this.releaseRoom(room);
      return;
    }
    feed.sync();
  }

  rename(session: Session): void {
    for (const [room, feed] of this.#feeds) if (room.id === session.roomId && feed.mixer.has(session.participant.id)) feed.mixer.rename(session.participant.id, session.participant.name);
  }

  /** Every downlink in the room closes, and its feed and mixer. */
  releaseRoom(room: Room): void {
    for (const [id, d] of this.#downlinks) {
      if (d.room !== room) continue;
      this.#downlinks.delete(id);
      d.peer.close();
    }
    const feed = this.#feeds.get(room);
    if (!feed) return;
    this.#feeds.delete(room);
    this.#options.retire(feed.mixer);
    feed.close().catch((err: unknown) => this.#options.log.error({ err, room: room.id }, 'closing the MCU feed failed'));
    this.#options.log.info({ room: room.id }, 'MCU feed closed');
  }

  /** The mixers of SFU rooms, for metrics and snapshots. */
  mixers(): Array<[Room, RoomMixer]> {
    return [...this.#feeds].map(([room, feed]) => [room, feed.mixer]);
  }

  get downlinkCount(): number {
    return this.#downlinks.size;
  }

  /** Server shutdown: every downlink, feed and mixer closes. */
  async closeAll(): Promise<void> {
    this.#closed = true;
    for (const d of this.#downlinks.values()) d.peer.close();
    this.#downlinks.clear();
    const feeds = [...this.#feeds.values()];
    this.#feeds.clear();
    await Promise.all(feeds.map((f) => f.close()));
  }

  #feedFor(room: Room, wrtc: Wrtc): McuFeed {
    let feed = this.#feeds.get(room);
    if (!feed) {
      feed = new McuFeed({ room, mixer: this.#options.createMixer(room, wrtc), sfu: this.#options.sfu, wrtc, log: this.#options.log.child({ room: room.id }) });
      this.#feeds.set(room, feed);
      this.#options.log.info({ room: room.id }, 'MCU feed of an SFU room created');
    }
    feed.sync();
    return feed;
  }
}
