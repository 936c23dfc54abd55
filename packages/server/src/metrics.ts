import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics for one server instance (its own registry: no module-level state). */
export class Metrics {
  readonly registry = new Registry();
  readonly sessions = new Gauge({ name: 'parley_sessions', help: 'Signaling sessions by transport (detached = waiting for resume)', labelNames: ['transport'] as const, registers: [this.registry] });
  readonly rooms = new Gauge({ name: 'parley_rooms', help: 'Rooms that exist', registers: [this.registry] });
  readonly participants = new Gauge({ name: 'parley_participants', help: 'Participants in all rooms', registers: [this.registry] });
  readonly messagesRelayed = new Counter({ name: 'parley_messages_relayed_total', help: 'Signaling messages relayed between participants', labelNames: ['type'] as const, registers: [this.registry] });
  readonly messagesReceived = new Counter({ name: 'parley_messages_received_total', help: 'Signaling messages received from clients', labelNames: ['transport'] as const, registers: [this.registry] });
  readonly errors = new Counter({ name: 'parley_errors_total', help: 'Errors returned to clients, by stable code', labelNames: ['code'] as const, registers: [this.registry] });
  readonly resumes = new Counter({ name: 'parley_resumes_total', help: 'Session resumes by outcome', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly replayed = new Counter({ name: 'parley_notifications_replayed_total', help: 'Notifications replayed after a resume', registers: [this.registry] });
  readonly turnAllocations = new Gauge({ name: 'parley_turn_allocations', help: 'TURN allocations held by the built-in server', registers: [this.registry] });
  readonly turnRelayedBytes = new Counter({ name: 'parley_turn_relayed_bytes_total', help: 'Bytes relayed by the built-in TURN server', labelNames: ['direction'] as const, registers: [this.registry] });
  readonly turnErrors = new Counter({ name: 'parley_turn_errors_total', help: 'TURN error responses, by STUN error code', labelNames: ['code'] as const, registers: [this.registry] });
  readonly sfuTransports = new Gauge({ name: 'parley_sfu_transports', help: 'SFU connections (one per participant in an SFU room)', registers: [this.registry] });
  readonly sfuProducers = new Gauge({ name: 'parley_sfu_producers', help: 'Tracks published to the SFU', registers: [this.registry] });
  readonly sfuConsumers = new Gauge({ name: 'parley_sfu_consumers', help: 'Tracks the SFU forwards to subscribers', registers: [this.registry] });
  /** Set from the media endpoint's counters when scraped. */
  readonly sfuDropped = new Gauge({ name: 'parley_sfu_dropped_total', help: 'Datagrams the SFU media port dropped, by reason (counts since start)', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly sfuPackets = new Gauge({ name: 'parley_sfu_rtp_packets_total', help: 'RTP packets through the SFU since start', labelNames: ['direction'] as const, registers: [this.registry] });
  readonly sfuRtx = new Gauge({
    name: 'parley_sfu_rtx_packets_total',
    help: 'Packets publishers sent on their RTX streams (RFC 4588) since start: retransmissions the SFU restored onto their media stream (retransmission), copies of packets it already held, which Chrome also probes with (duplicate), padding-only bandwidth probes (padding), and retransmissions it could not place (unplaced)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly sfuRepairs = new Gauge({
    name: 'parley_sfu_repairs_total',
    help: 'SFU loss repair since start: NACK packets sent to publishers (nack_to_publisher), packets asked for until the SFU gave up, a second after the first ask (lost_for_good: media, or lost padding, which publishers never resend), of those the VP8 media ones that may be of the base temporal layer, for each of which the SFU asked the publisher for a key frame (lost_media_keyframe), and those of upper temporal layers only, which need none (lost_upper_layer), packets given up on that arrived after all (late_after_giving_up), packets resent to subscribers (retransmitted), and NACKed packets not resent: resent less than a round trip before (resend_too_soon) or over the subscriber\'s resend budget, half its estimate (resend_over_budget)',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  readonly sfuTemporalDropped = new Gauge({
    name: 'parley_sfu_temporal_dropped_total',
    help: 'Packets of VP8 temporal layers the SFU left out since start, for subscribers whose link carries a tile\'s lowest layer only at a lower frame rate',
    registers: [this.registry],
  });
  readonly dataMessages = new Counter({ name: 'parley_data_messages_total', help: 'Room data relay messages over SFU data channels: received from senders (in) and delivered to receivers (out)', labelNames: ['direction'] as const, registers: [this.registry] });
  readonly dataBytes = new Counter({ name: 'parley_data_bytes_total', help: 'Room data relay payload bytes, received (in) and delivered (out)', labelNames: ['direction'] as const, registers: [this.registry] });
  readonly dataDropped = new Counter({ name: 'parley_data_dropped_total', help: 'Room data relay messages dropped, by reason (per receiver for buffer_full and no_channel)', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly mcuRooms = new Gauge({ name: 'parley_mcu_rooms', help: 'Rooms the MCU mixes now', registers: [this.registry] });
  readonly mcuParticipants = new Gauge({ name: 'parley_mcu_participants', help: 'Participants connected to the MCU', registers: [this.registry] });
  /** Set from the mixers' counters when scraped. */
  readonly mcuVideoFrames = new Gauge({ name: 'parley_mcu_video_frames_total', help: 'Composite frames the MCU handed to its encoders since start', registers: [this.registry] });
  readonly mcuAudioUnderruns = new Gauge({ name: 'parley_mcu_audio_underruns_total', help: 'Audio glitches since start: mixer ticks where a playing input had no frame, leaving a hole in some listener mix', registers: [this.registry] });
  readonly joins = new Counter({ name: 'parley_joins_total', help: 'Participants that joined a room', registers: [this.registry] });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
  }
}
