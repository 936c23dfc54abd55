import { McuConnection } from './connection.ts';

export interface McuDownlinkHost {
  configuration(): RTCConfiguration;
  /** Sends `mcuDownlink` (on with our offer, or off) and resolves with the response's data. */
  request(enabled: boolean, sdp?: string): Promise<unknown>;
  /** Frames decoded so far of each participant's camera as received now (SFU or mesh), by participant. */
  decodedFrames(): Promise<Map<string, number>>;
  /** Stops or resumes receiving everyone's tracks over the SFU (our publishing is not touched). */
  setSfuReceiving(on: boolean): void;
  /** Pauses or resumes the video we receive over the SFU, keeping the tracks (tiles freeze on their last frame). */
  holdSfuVideo(on: boolean): void;
  /** What to show for everyone else changed: the composite (on), or their own tiles again (undefined). */
  compositeChanged(stream: MediaStream | undefined): void;
  log(message: string, detail?: unknown): void;
}

export interface McuDownlinkOptions {
  /** How often readiness is sampled. Default 150 ms. */
  checkMs?: number;
  /** How long the new path may take to decode before the switch gives up (the old path stays). Default 15 s. */
  deadlineMs?: number;
  /** How long the old path stays after the new one is shown, so that what shows it has its first frame. Default 1 s. */
  lingerMs?: number;
}

export type DownlinkState = 'sfu' | 'to-mcu' | 'mcu' | 'to-sfu';

/**
 * The MCU downlink in an SFU room, make before break both ways. To the MCU: a receive-only connection to the
 * MCU opens; once its composite decodes (frames rising) it is shown, and a moment later the SFU stops sending us
 * everyone's tracks. Back: the SFU subscriptions come back; once every camera decodes again the tiles are shown
 * and a moment later the MCU connection closes. Publishing to the SFU never changes.
 */
export class McuDownlink {
  readonly #host: McuDownlinkHost;
  readonly #checkMs: number;
  readonly #deadlineMs: number;
  readonly #lingerMs: number;
  #state: DownlinkState = 'sfu';
  #connection: McuConnection | undefined;
  /** Bumped by each switch: a wait that belongs to an earlier one stops. */
  #generation = 0;
  #refused = false;
  showSelf = false;

  constructor(host: McuDownlinkHost, options: McuDownlinkOptions = {}) {
    this.#host = host;
    this.#checkMs = options.checkMs ?? 150;
    this.#deadlineMs = options.deadlineMs ?? 15_000;
    this.#lingerMs = options.lingerMs ?? 1000;
  }

  get state(): DownlinkState {
    return this.#state;
  }

  /** The composite, while it is what shows everyone else. */
  get composite(): MediaStream | undefined {
    return this.#state === 'mcu' || this.#state === 'to-sfu' ? this.#connection?.stream : undefined;
  }

  get connection(): McuConnection | undefined {
    return this.#connection;
  }

  /** The server refused the last switch to the MCU for good (no MCU, say): trying again would fail the same way. */
  get refused(): boolean {
    return this.#refused;
  }

  /**
   * Switches to the MCU downlink (resolves true once the composite shows) or back to SFU streams. `holdVideo`: the
   * link is congested, so the SFU's video pauses first (tiles freeze, voices go on) to leave the composite room to
   * start; it resumes if the composite does not come.
   */
  async set(on: boolean, options: { holdVideo?: boolean } = {}): Promise<boolean> {
    if (on ? this.#state === 'mcu' || this.#state === 'to-mcu' : this.#state === 'sfu' || this.#state === 'to-sfu') return true;
    const generation = ++this.#generation;
    return on ? this.#toMcu(generation, options.holdVideo === true) : this.#toSfu(generation);
  }

  /** Drops the downlink at once (the room left the SFU, or ended): the SFU subscriptions come back. */
  close(): void {
    this.#generation++;
    const shown = this.composite !== undefined;
    this.#state = 'sfu';
    this.#host.setSfuReceiving(true);
    this.#host.holdSfuVideo(false);
    this.#closeConnection();
    if (shown) this.#host.compositeChanged(undefined);
  }

  async #toMcu(generation: number, holdVideo: boolean): Promise<boolean> {
    this.#state = 'to-mcu';
    if (holdVideo) this.#host.holdSfuVideo(true);
    const connection = this.#connection && !this.#connection.closed ? this.#connection : this.#open();
    const ok = await this.#waitRising(generation, async () => new Map([['composite', await compositeFrames(connection.pc)]]), () => connection.failed);
    if (generation !== this.#generation) return false;
    if (!ok) {
      this.#refused = connection.failed;
      this.#host.log(connection.failed ? 'MCU downlink refused; staying on the SFU' : 'MCU downlink: the composite did not decode in time; staying on the SFU');
      this.#state = 'sfu';
      this.#host.holdSfuVideo(false);
      this.#closeConnection();
      return false;
    }
    this.#refused = false;
    this.#state = 'mcu';
    this.#host.compositeChanged(connection.stream);
    await delay(this.#lingerMs);
    if (generation === this.#generation) this.#host.setSfuReceiving(false);
    return true;
  }

  async #toSfu(generation: number): Promise<boolean> {
    this.#state = 'to-sfu';
    this.#host.setSfuReceiving(true);
    this.#host.holdSfuVideo(false);
    const ok = await this.#waitRising(generation, () => this.#host.decodedFrames());
    if (generation !== this.#generation) return false;
    if (!ok) this.#host.log('MCU downlink: SFU streams did not all decode in time; showing them anyway');
    this.#state = 'sfu';
    this.#host.compositeChanged(undefined);
    await delay(this.#lingerMs);
    if (generation === this.#generation) this.#closeConnection();
    return ok;
  }

  #open(): McuConnection {
    const connection = new McuConnection({
      configuration: this.#host.configuration(),
      offer: async (sdp) => {
        const data = (await this.#host.request(true, sdp)) as { sdp?: unknown } | undefined;
        if (typeof data?.sdp !== 'string') throw new TypeError('mcuDownlink response without an sdp');
        return { sdp: data.sdp };
      },
      log: (m, d) => this.#host.log(m, d),
    });
    this.#connection = connection;
    return connection;
  }

  #closeConnection(): void {
    const connection = this.#connection;
    if (!connection) return;
    this.#connection = undefined;
    connection.close();
    this.#host.request(false).catch((err: unknown) => this.#host.log('mcuDownlink off failed', err));
  }

  /** True once every counter (there is at least one) rose between two samples; false at the deadline or once `failed`. */
  async #waitRising(generation: number, sample: () => Promise<Map<string, number>>, failed: () => boolean = () => false): Promise<boolean> {
    const deadline = Date.now() + this.#deadlineMs;
    let previous: Map<string, number> | undefined;
    while (generation === this.#generation && Date.now() < deadline && !failed()) {
      const current = await sample().catch(() => new Map<string, number>());
      if (previous && [...current].every(([k, n]) => n > 0 && n > (previous?.get(k) ?? Infinity))) return true;
      previous = current;
      await delay(this.#checkMs);
    }
    return false;
  }
}

/** Frames of the composite decoded so far (0 before any). */
async function compositeFrames(pc: RTCPeerConnection): Promise<number> {
  let frames = 0;
  (await pc.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0;
  });
  return frames;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
