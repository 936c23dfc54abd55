import type { Topology } from '@parley/protocol';
import type { RemoteParticipant } from '../participant.ts';
import type { SignalClient } from '../signal-client.ts';
import { DownlinkPolicy, type DownlinkPolicyOptions } from '../sfu/downlink-policy.ts';
import type { MediaPaths } from '../sfu/paths.ts';
import { McuDownlink, type McuDownlinkOptions } from './downlink.ts';

export interface LowBandwidthOptions extends DownlinkPolicyOptions, McuDownlinkOptions {
  /**
   * Automatic mode: the SDK takes the MCU downlink by itself when the SFU finds our downlink congested (its estimate
   * under `thresholdBps`, even the lowest layers of our tiles too much for it, packets lost) for `belowForMs`, and
   * tries the SFU again later. Default true; false starts with low-bandwidth mode off until the app asks
   * (`setLowBandwidthMode`).
   */
  auto?: boolean;
  /** Show our own tile in the composite too. Default false. */
  showSelf?: boolean;
}

export interface LowBandwidthHost {
  signal: Pick<SignalClient, 'request'>;
  participants: ReadonlyMap<string, RemoteParticipant>;
  paths: MediaPaths;
  configuration(): RTCConfiguration;
  compositeChanged(stream: MediaStream | undefined): void;
  /** Whether low-bandwidth mode is wanted changed (by the app, or by the automatic policy). */
  modeChanged(on: boolean): void;
  log(message: string, detail?: unknown): void;
}

const AUTO_CHECK_MS = 1000;

/**
 * Low-bandwidth mode of an SFU room: everyone else as one composite and one mix from the MCU instead of a stream
 * each, while we keep publishing to the SFU. Wanted by the app (`set(true|false)`), or, while the app leaves it to
 * us (`set('auto')`, or `auto: true` at the start), by the DownlinkPolicy. It applies while the room is on the SFU.
 */
export class LowBandwidthMode {
  readonly downlink: McuDownlink;
  readonly policy: DownlinkPolicy;
  readonly #host: LowBandwidthHost;
  #manual: boolean | undefined;
  #autoOn = false;
  /** The server refused the MCU downlink for good: automatic mode stops trying until the app asks again. */
  #autoRefused = false;
  /** The MCU downlink's bytes received at the last sample (its rate tells the policy when the link has grown). */
  #lastMcuSample: { pc: RTCPeerConnection; bytes: number; at: number } | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(host: LowBandwidthHost, options: LowBandwidthOptions = {}) {
    this.#host = host;
    // `auto: false` is a manual `false` that `set('auto')` hands back to the policy.
    this.#manual = options.auto === false ? false : undefined;
    this.policy = new DownlinkPolicy(options);
    const paths = host.paths;
    this.downlink = new McuDownlink(
      {
        configuration: () => host.configuration(),
        request: (enabled, sdp) => host.signal.request(enabled ? { type: 'mcuDownlink', enabled, sdp, ...(options.showSelf ? { showSelf: true } : {}) } : { type: 'mcuDownlink', enabled }),
        decodedFrames: () => this.#cameraFrames(),
        setSfuReceiving: (on) => paths.sfu.setReceiving(on),
        holdSfuVideo: (on) => paths.sfu.holdVideo(on),
        compositeChanged: (stream) => host.compositeChanged(stream),
        log: (m, d) => host.log(m, d),
      },
      options,
    );
    this.#timer = setInterval(() => this.#check(), AUTO_CHECK_MS);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Whether low-bandwidth mode is wanted now (it shows only in an SFU room, once the composite decodes). */
  get on(): boolean {
    return this.#manual ?? this.#autoOn;
  }

  /** On because the policy took it, not the app. */
  get automatic(): boolean {
    return this.#manual === undefined && this.#autoOn;
  }

  /** The app's choice; 'auto' hands it back to the policy. */
  set(mode: boolean | 'auto'): void {
    const before = this.on;
    this.#manual = mode === 'auto' ? undefined : mode;
    if (mode === 'auto') this.#autoRefused = false;
    this.#apply(before);
  }

  /** The SFU's estimate of our downlink, and whether it finds the link congested (`sfuBandwidth`). */
  estimate(bps: number, congested?: boolean): void {
    this.policy.estimate(bps, Date.now(), congested);
  }

  /** The room's topology changed: the downlink lives only on the SFU (wanted again when the room returns to it). */
  topologyChanged(topology: Topology): void {
    if (topology === 'sfu') void this.downlink.set(this.on);
    else this.downlink.close();
  }

  close(): void {
    clearInterval(this.#timer);
    this.downlink.close();
  }

  #apply(before: boolean): void {
    const on = this.on;
    if (this.#host.paths.topology === 'sfu') void this.downlink.set(on);
    if (on !== before) this.#host.modeChanged(on);
  }

  #check(): void {
    if (this.#manual !== undefined || this.#autoRefused || this.#host.paths.topology !== 'sfu') return;
    if (this.#autoOn && this.downlink.state === 'mcu') void this.#sampleMcuRate().then(() => this.#decide());
    else this.#decide();
  }

  #decide(): void {
    if (this.#manual !== undefined || this.#host.paths.topology !== 'sfu') return;
    const now = Date.now();
    const to = this.policy.decide(now, this.#autoOn);
    if (!to) return;
    this.#host.log(to === 'mcu' ? `downlink congested (estimate under ${this.policy.thresholdBps} bps): taking the MCU downlink` : 'trying the SFU streams again');
    this.policy.switched(to, now);
    this.#autoOn = to === 'mcu';
    this.#host.modeChanged(this.#autoOn);
    if (to === 'sfu') {
      void this.downlink.set(false);
      return;
    }
    // The link is full: pause the SFU's video first, or the composite competes with the very streams it replaces.
    void this.downlink.set(true, { holdVideo: true }).then((shown) => {
      if (shown || this.#manual !== undefined || !this.#autoOn || this.downlink.state !== 'sfu') return;
      // The composite did not come: back to the SFU streams; a refusal stops automatic mode, a timeout waits.
      this.#autoOn = false;
      if (this.downlink.refused) this.#autoRefused = true;
      else this.policy.switchFailed(Date.now());
      this.#host.modeChanged(false);
    });
  }

  /** Feeds the policy what the MCU downlink (composite and mix) brought since the last sample. */
  async #sampleMcuRate(): Promise<void> {
    const pc = this.downlink.connection?.pc;
    if (!pc) return;
    let bytes = 0;
    (await pc.getStats().catch(() => new Map())).forEach((s: { type: string; bytesReceived?: number }) => {
      if (s.type === 'inbound-rtp') bytes += s.bytesReceived ?? 0;
    });
    const now = Date.now();
    const last = this.#lastMcuSample;
    this.#lastMcuSample = { pc, bytes, at: now };
    if (last?.pc === pc && now > last.at) this.policy.mcuRate(((bytes - last.bytes) * 8 * 1000) / (now - last.at), now);
  }

  /** Frames decoded so far of each camera we receive, by participant (0 while it is not received yet). */
  async #cameraFrames(): Promise<Map<string, number>> {
    const { paths, participants } = this.#host;
    const out = new Map<string, number>();
    for (const p of participants.values()) {
      const camera = [...paths.sfu.producers.values()].some((x) => x.participantId === p.id && x.kind === 'video' && x.source === 'camera');
      if (!camera) continue;
      let frames = 0;
      const source = paths.statsSource(p);
      if (source) {
        const report = [...(await source.pc.getStats()).values()] as Array<{ type: string; kind?: string; framesDecoded?: number }>;
        for (const s of source.select(report)) if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0;
      }
      out.set(p.id, frames);
    }
    return out;
  }
}
