import type { RoutedProducer } from '@parley/media';
import { SubscriberPeer, type RoomMixer, type Wrtc, type WrtcMediaStreamTrack, type WrtcVideoSink } from '@parley/mixer';
import type { Logger } from './logger.ts';
import type { Room } from './room.ts';
import type { SfuService } from './sfu.ts';

/**
 * What the MCU takes from an SFU room: microphones, and of each participant's pictures their screen share if they
 * present one (shown large, as in `mcu` rooms), else their camera. Screen audio is not mixed.
 */
function mixedProducers(producers: readonly RoutedProducer[], present: ReadonlySet<string>): RoutedProducer[] {
  const presenting = new Set(producers.filter((r) => r.source === 'screen' && present.has(r.ownerId)).map((r) => r.ownerId));
  return producers.filter((r) => present.has(r.ownerId) && (r.source === 'microphone' || r.source === (presenting.has(r.ownerId) ? 'screen' : 'camera')));
}

export interface McuFeedOptions {
  room: Room;
  mixer: RoomMixer;
  sfu: SfuService;
  wrtc: Wrtc;
  log: Logger;
}

/**
 * What an SFU room's mixer decodes: one libwebrtc connection inside the server that subscribes to the room's
 * cameras and microphones on our own SFU, like a browser would, and hands each track to the mixer as the input of
 * the participant who publishes it. The mixer's members follow the room's participants (a tile for each, as the
 * SFU view shows them); only those who take the downlink listen.
 */
export class McuFeed {
  readonly mixer: RoomMixer;
  readonly #options: McuFeedOptions;
  readonly #peer: SubscriberPeer;
  /** Producer id → whose input of which kind it is (kept until its track ended). */
  readonly #inputs = new Map<string, { participantId: string; kind: 'audio' | 'video' }>();
  /** Participant id → the producer whose track is their video input now (a camera, or a screen replacing it). */
  readonly #videoInput = new Map<string, string>();
  /** The producers asked for at the last sync. */
  #wanted = new Set<string>();
  /** Participants the mixer has a member (a tile) for. */
  readonly #members = new Set<string>();
  /** Video producers whose first frame was decoded. */
  readonly #decoded = new Set<string>();
  readonly #probes = new Map<string, WrtcVideoSink>();
  #closed = false;

  constructor(options: McuFeedOptions) {
    this.#options = options;
    this.mixer = options.mixer;
    const { room, sfu } = options;
    const key = `mcu-${room.id}`;
    this.#peer = new SubscriberPeer({
      wrtc: options.wrtc,
      negotiate: async (sdp, sections) => withInternalCandidate(sfu.internalOffer(room, key, sdp, new Map(sections.map((s) => [s.mid, s.key]))), sfu.internalAddress),
      onTrack: (producerId, track) => this.#onTrack(producerId, track),
      onTrackEnded: (producerId, kind) => {
        const input = this.#inputs.get(producerId);
        this.#stopProbe(producerId);
        this.#inputs.delete(producerId);
        if (!input || !this.mixer.has(input.participantId)) return;
        // A camera that ends after the screen replacing it arrived leaves the screen in place.
        if (kind === 'video' && this.#videoInput.get(input.participantId) !== producerId) return;
        if (kind === 'video') this.#videoInput.delete(input.participantId);
        this.mixer.removeInput(input.participantId, kind);
      },
    });
  }

  /** Brings members and subscriptions in line with the room: who is in it, and what they publish to the SFU. */
  sync(): void {
    if (this.#closed) return;
    const { room, mixer } = this.#options;
    const present = new Set(room.participants().map((p) => p.id));
    for (const p of room.participants()) {
      if (this.#members.has(p.id)) continue;
      mixer.addParticipant(p.id, p.name);
      mixer.setListening(p.id, false);
      this.#members.add(p.id);
    }
    for (const id of this.#members) {
      if (present.has(id)) continue;
      mixer.removeParticipant(id);
      this.#members.delete(id);
    }
    const wanted = mixedProducers(room.router?.producers() ?? [], present);
    for (const id of present) if (this.#members.has(id)) mixer.setPresenting(id, wanted.some((r) => r.ownerId === id && r.source === 'screen'));
    this.#wanted = new Set(wanted.map((r) => r.producer.id));
    for (const r of wanted) this.#inputs.set(r.producer.id, { participantId: r.ownerId, kind: r.producer.kind });
    this.#peer.want(wanted.map((r) => ({ key: r.producer.id, kind: r.producer.kind }))).catch((err: unknown) => {
      if (!this.#closed) this.#options.log.warn({ err: (err as Error).message }, 'MCU feed negotiation failed');
    });
  }

  /** Resolves once every camera the feed receives has a decoded frame in the mixer, or after `timeoutMs`. */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const pending = () => [...this.#wanted].some((id) => this.#inputs.get(id)?.kind === 'video' && !this.#decoded.has(id));
    while (!this.#closed && Date.now() < deadline && pending()) await new Promise((r) => setTimeout(r, 50));
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const id of [...this.#probes.keys()]) this.#stopProbe(id);
    this.#peer.close();
    this.#options.sfu.closeInternal(`mcu-${this.#options.room.id}`);
    return this.mixer.close();
  }

  #onTrack(producerId: string, track: WrtcMediaStreamTrack): void {
    const input = this.#inputs.get(producerId);
    if (this.#closed || !input || !this.mixer.has(input.participantId)) return;
    this.mixer.setInput(input.participantId, track);
    if (track.kind === 'video') this.#videoInput.set(input.participantId, producerId);
    if (track.kind !== 'video' || this.#decoded.has(producerId)) return;
    // A second sink on the same track, only until its first frame: the feed is ready when every camera shows.
    const probe = new this.#options.wrtc.nonstandard.RTCVideoSink(track);
    probe.onframe = () => {
      this.#decoded.add(producerId);
      this.#stopProbe(producerId);
    };
    this.#probes.set(producerId, probe);
  }

  #stopProbe(producerId: string): void {
    const probe = this.#probes.get(producerId);
    if (!probe) return;
    this.#probes.delete(producerId);
    probe.onframe = null;
    probe.stop();
  }
}

/**
 * The SFU's answer, with a host candidate at the address a peer inside this server reaches (the announced address
 * may be a public one this host cannot loop back to). ICE-lite learns the peer's address from its checks.
 */
export function withInternalCandidate(sdp: string, address: string): string {
  return sdp.replace(/^a=candidate:1 1 udp (\d+) (\S+) (\d+) typ host\r?$/m, (line: string, priority: string, announced: string, port: string) =>
    announced === address ? line : `${line.trimEnd()}\r\na=candidate:3 1 udp ${Number(priority) - 1} ${address} ${port} typ host`);
}
