import { z } from 'zod';
import { ErrorCodes } from './errors.ts';

// ---- Shared pieces -------------------------------------------------------------------------

/** Request ids are chosen by the client; responses echo them. */
export const RequestId = z.string().min(1).max(64);
export const ParticipantId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'participant id must be 1-64 of [A-Za-z0-9_-]');
export const RoomId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'room id must be 1-64 of [A-Za-z0-9_-]');
export const DisplayName = z.string().trim().min(1).max(64);
export const Metadata = z.string().max(4096);
export const Seq = z.number().int().nonnegative();

export const ErrorBody = z.object({ code: z.enum(ErrorCodes), message: z.string() });

export const Participant = z.object({
  id: ParticipantId,
  identity: z.string().min(1).max(128),
  name: DisplayName,
  metadata: Metadata,
  joinedAt: z.number().int(),
});
export type Participant = z.infer<typeof Participant>;

/** How media flows in a room right now: peer to peer, through the server's SFU, or mixed by its MCU. */
export const Topology = z.enum(['mesh', 'sfu', 'mcu']);
export type Topology = z.infer<typeof Topology>;
/** What a room was created with: a fixed topology, or `auto` (mesh while small, SFU beyond `meshMax`). */
export const TopologyPolicy = z.enum(['mesh', 'sfu', 'mcu', 'auto']);
export type TopologyPolicy = z.infer<typeof TopologyPolicy>;

export const MediaSource = z.enum(['camera', 'microphone', 'screen', 'screenAudio']);
export type MediaSource = z.infer<typeof MediaSource>;
export const ProducerId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/** A MediaStream id (a=msid), as the publisher's browser chose it. */
export const StreamId = z.string().min(1).max(128);

/** A track one participant publishes to the SFU; others subscribe to it by id. */
export const ProducerInfo = z.object({
  id: ProducerId,
  participantId: ParticipantId,
  kind: z.enum(['audio', 'video']),
  source: MediaSource,
  streamId: StreamId,
  /** Simulcast layers (rids, lowest first); absent for one encoding. */
  layers: z.array(z.string().max(16)).max(4).optional(),
});
export type ProducerInfo = z.infer<typeof ProducerInfo>;

/** At most this many audio slots per participant in an audio-only room. */
export const MAX_AUDIO_SLOTS = 8;
/** An audio-only room: everyone receives the `loudest` loudest voices (but their own) in as many audio slots. */
export const AudioOnly = z.object({ loudest: z.number().int().min(1).max(MAX_AUDIO_SLOTS) });
export type AudioOnly = z.infer<typeof AudioOnly>;

/** Mirrors RTCIceServer. */
export const IceServer = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServer>;

/** Mirrors RTCIceCandidateInit; `null` signals end-of-candidates. */
export const IceCandidateInit = z.object({
  candidate: z.string().max(1024),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(1023).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
});
export type IceCandidateInit = z.infer<typeof IceCandidateInit>;

const Sdp = z.string().min(1).max(60_000);

// ---- Client → server -----------------------------------------------------------------------

export const Hello = z.object({
  type: z.literal('hello'),
  id: RequestId.optional(),
  /** Protocol versions the client speaks. */
  versions: z.array(z.number().int().positive()).min(1).max(16),
  /** Room token (JWT). Also required on resume: a resumed session must still be authorised. */
  token: z.string().min(1).max(8192),
  /** Present when resuming a session after a transport drop. */
  resume: z
    .object({ sessionId: z.string().min(1).max(64), resumeToken: z.string().min(1).max(256), lastSeq: Seq })
    .optional(),
  client: z.object({ sdk: z.string().max(64), version: z.string().max(32) }).optional(),
});

export const Leave = z.object({ type: z.literal('leave'), id: RequestId.optional() });

export const Update = z.object({
  type: z.literal('update'),
  id: RequestId.optional(),
  name: DisplayName.optional(),
  metadata: Metadata.optional(),
});

export const OfferOut = z.object({ type: z.literal('offer'), id: RequestId.optional(), to: ParticipantId, sdp: Sdp });
export const AnswerOut = z.object({ type: z.literal('answer'), id: RequestId.optional(), to: ParticipantId, sdp: Sdp });
export const CandidateOut = z.object({
  type: z.literal('candidate'),
  id: RequestId.optional(),
  to: ParticipantId,
  candidate: IceCandidateInit.nullable(),
});

/** Acknowledges every notification up to and including `seq`, so the server can drop them. */
export const Ack = z.object({ type: z.literal('ack'), seq: Seq });
export const Ping = z.object({ type: z.literal('ping'), id: RequestId.optional() });

/** Chat text: what a person typed, trimmed; long pastes belong in a file. */
export const ChatText = z.string().trim().min(1).max(2000);
export const ChatMessageId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'message id must be 8-64 of [A-Za-z0-9_-]');

/**
 * A chat message for the room. The server keeps it in the room's history and relays it to every
 * participant except the sender and those in `skip` (already reached over a direct data channel).
 */
export const ChatSend = z.object({
  type: z.literal('chat'),
  id: RequestId.optional(),
  messageId: ChatMessageId,
  text: ChatText,
  skip: z.array(ParticipantId).max(1000).optional(),
});

const Mid = z.string().min(1).max(32);

/**
 * The SFU connection's offer (the client always offers; the server, ICE-lite, answers in the response's
 * `data.sdp`). `publish` names what each sending section carries; `subscribe` says which producer each
 * receiving section wants. Sections in neither list are answered inactive.
 */
export const SfuOffer = z.object({
  type: z.literal('sfuOffer'),
  id: RequestId,
  sdp: Sdp,
  publish: z.array(z.object({ mid: Mid, source: MediaSource })).max(16),
  subscribe: z.array(z.object({ mid: Mid, producerId: ProducerId })).max(256),
  /** Audio-only rooms: receiving audio sections that carry the loudest voices, in slot order (see `audioSlots`). */
  slots: z.array(Mid).max(MAX_AUDIO_SLOTS).optional(),
});

/**
 * How a subscriber shows one producer: the tile size in CSS pixels (the SFU picks the simulcast layer that
 * fits it and the bandwidth), or hidden (the SFU pauses forwarding).
 */
export const SfuPreference = z.object({
  type: z.literal('sfuPreference'),
  id: RequestId.optional(),
  producerId: ProducerId,
  width: z.number().int().min(0).max(8192),
  height: z.number().int().min(0).max(8192),
});

/** Closes this participant's SFU connection (the room went back to mesh): its producers end for everyone. */
export const SfuLeave = z.object({ type: z.literal('sfuLeave'), id: RequestId.optional() });

/**
 * The MCU connection's offer, in an `mcu` room: one audio and one video section, each sending our microphone /
 * camera (if we publish one) and receiving the mix. The server answers in the response's `data.sdp` with every
 * candidate included (no trickle either way): our mix-minus and a composite of everyone else. `showSelf` puts our own
 * tile in our composite (a new offer changes it).
 */
export const McuOffer = z.object({ type: z.literal('mcuOffer'), id: RequestId, sdp: Sdp, showSelf: z.boolean().optional() });

/**
 * In the response to `mcuOffer`, `data.send`: the most video worth sending to the MCU. No picture is shown larger or
 * more often than the composite, so a camera sent bigger only costs the sender's uplink and the server's decoder
 * (1280×720 at 30 fps is eight times the pixels of the default 640×360 at 15). The SDK scales its camera or screen
 * down to fit, caps its frame rate and bitrate.
 */
export const McuSendLimit = z.object({
  width: z.number().int().min(1).max(8192),
  height: z.number().int().min(1).max(8192),
  fps: z.number().int().min(1).max(120),
  maxBitrateBps: z.number().int().min(1),
});
export type McuSendLimit = z.infer<typeof McuSendLimit>;

/**
 * In an SFU room: take (`enabled`, with a receive-only offer in `sdp`) or give back the MCU downlink, one composite
 * of everyone else and their mixed voices instead of a stream per participant; publishing to the SFU goes on. The
 * answer comes in the response's `data.sdp`, candidates included. `showSelf` puts our own tile in the composite.
 */
export const McuDownlink = z
  .object({ type: z.literal('mcuDownlink'), id: RequestId, enabled: z.boolean(), sdp: Sdp.optional(), showSelf: z.boolean().optional() })
  .refine((m) => !m.enabled || m.sdp !== undefined, { message: 'an offer is required to enable the downlink', path: ['sdp'] });

/** Microphone/camera on or off and what each published stream carries, for everyone's muted marks and tiles. */
export const MediaStateSend = z.object({
  type: z.literal('mediaState'),
  id: RequestId.optional(),
  audio: z.boolean(),
  video: z.boolean(),
  sources: z.record(StreamId, z.enum(['camera', 'screen'])).refine((r) => Object.keys(r).length <= 16, 'at most 16 sources'),
});

/** Asks for the room's chat history (oldest first). */
export const ChatHistoryRequest = z.object({ type: z.literal('chatHistory'), id: RequestId });

export const ChatMessage = z.object({
  id: ChatMessageId,
  from: ParticipantId,
  fromName: DisplayName,
  text: ChatText,
  /** Server time (ms since epoch) when the server accepted it. */
  sentAt: z.number().int(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export type Hello = z.infer<typeof Hello>;
export type Leave = z.infer<typeof Leave>;
export type Update = z.infer<typeof Update>;

export const ClientMessage = z.discriminatedUnion('type', [Hello, Leave, Update, OfferOut, AnswerOut, CandidateOut, Ack, Ping, ChatSend, ChatHistoryRequest, SfuOffer, SfuPreference, SfuLeave, McuOffer, McuDownlink, MediaStateSend]);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type ClientMessageType = ClientMessage['type'];
export const CLIENT_MESSAGE_TYPES: ReadonlySet<string> = new Set<ClientMessageType>(['hello', 'leave', 'update', 'offer', 'answer', 'candidate', 'ack', 'ping', 'chat', 'chatHistory', 'sfuOffer', 'sfuPreference', 'sfuLeave', 'mcuOffer', 'mcuDownlink', 'mediaState']);

// ---- Server → client -----------------------------------------------------------------------

export const RoomState = z.object({
  id: RoomId,
  topology: Topology,
  participants: z.array(Participant),
  /** What participants publish to the SFU (empty in a mesh room). */
  producers: z.array(ProducerInfo).default([]),
  /** Present in an audio-only room: offer this many receiving audio sections as `slots`. */
  audioOnly: AudioOnly.optional(),
});
export type RoomState = z.infer<typeof RoomState>;

export const Welcome = z.object({
  type: z.literal('welcome'),
  id: RequestId.optional(),
  protocolVersion: z.number().int(),
  sessionId: z.string(),
  participantId: ParticipantId,
  resumeToken: z.string(),
  /** How long the server keeps the session after its transport drops. */
  resumeGraceMs: z.number().int(),
  iceServers: z.array(IceServer),
  room: RoomState,
  /** Sequence number of the last notification already reflected in `room`. */
  seq: Seq,
  resumed: z.boolean(),
});
export type Welcome = z.infer<typeof Welcome>;

export const Response = z.discriminatedUnion('ok', [
  z.object({ type: z.literal('response'), id: RequestId, ok: z.literal(true), data: z.unknown().optional() }),
  z.object({ type: z.literal('response'), id: RequestId, ok: z.literal(false), error: ErrorBody }),
]);
export type Response = z.infer<typeof Response>;

/** An error about a message that carried no request id (or could not be parsed at all). */
export const ErrorMessage = z.object({ type: z.literal('error'), error: ErrorBody, ref: z.string().max(64).optional() });
export type ErrorMessage = z.infer<typeof ErrorMessage>;

const notification = <const N extends string, T extends z.ZodRawShape>(type: N, shape: T) =>
  z.object({ type: z.literal(type), seq: Seq, ...shape });

export const ParticipantJoined = notification('participantJoined', { participant: Participant });
export const ParticipantLeft = notification('participantLeft', {
  participantId: ParticipantId,
  reason: z.enum(['left', 'timeout', 'replaced', 'kicked']),
});
export const ParticipantUpdated = notification('participantUpdated', { participant: Participant });
export const OfferIn = notification('offer', { from: ParticipantId, sdp: Sdp });
export const AnswerIn = notification('answer', { from: ParticipantId, sdp: Sdp });
export const CandidateIn = notification('candidate', { from: ParticipantId, candidate: IceCandidateInit.nullable() });

/** Notifications are numbered per session and replayed after a resume: exactly once, in order. */
export const ChatReceived = notification('chatMessage', { message: ChatMessage });

/** A participant started publishing a track to the SFU. */
export const ProducerAdded = notification('producerAdded', { producer: ProducerInfo });
export const ProducerRemoved = notification('producerRemoved', { producerId: ProducerId, participantId: ParticipantId });
/**
 * The room's media path changed. Going to `sfu`: publish to the SFU and subscribe before closing mesh media
 * (make before break). Going to `mesh`: connect peer to peer, then drop the SFU connection.
 */
export const TopologyChanged = notification('topologyChanged', { topology: Topology });
/** The loudest participant (RFC 6464 levels), or null when nobody speaks. */
export const ActiveSpeaker = notification('activeSpeaker', { participantId: ParticipantId.nullable(), speaking: z.array(ParticipantId).max(64) });
export const MediaStateIn = notification('mediaState', {
  from: ParticipantId,
  audio: z.boolean(),
  video: z.boolean(),
  sources: z.record(StreamId, z.enum(['camera', 'screen'])),
});
/** To a publisher: which simulcast layers of its producer someone watches; the SDK disables the others. */
export const LayersWanted = notification('layersWanted', { producerId: ProducerId, mid: Mid, rids: z.array(z.string().max(16)).max(4) });
/** To a subscriber in an audio-only room: who is in each of its audio slots now (null: an empty slot). */
export const AudioSlots = notification('audioSlots', { slots: z.array(ParticipantId.nullable()).max(MAX_AUDIO_SLOTS) });
/**
 * To a subscriber: the SFU's estimate of its downlink (send-side, from transport-wide feedback), when it moved or
 * `congested` changed. `congested`: the link is what limits, not the SFU's choice of layers. Even the lowest layers
 * of the tiles shown (and the voices) need more than the estimate, so the SFU sends more than it thinks the link
 * carries, and the subscriber is losing packets.
 */
export const SfuBandwidth = notification('sfuBandwidth', { estimateBps: z.number().int().nonnegative(), congested: z.boolean().optional() });

export const Notification = z.discriminatedUnion('type', [
  ParticipantJoined, ParticipantLeft, ParticipantUpdated, OfferIn, AnswerIn, CandidateIn, ChatReceived,
  ProducerAdded, ProducerRemoved, TopologyChanged, ActiveSpeaker, MediaStateIn, LayersWanted, SfuBandwidth, AudioSlots,
]);
export type Notification = z.infer<typeof Notification>;
/** A notification before the server numbers it. */
export type NotificationBody = DistributiveOmit<Notification, 'seq'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export const ServerMessage = z.union([Welcome, Response, ErrorMessage, Notification]);
export type ServerMessage = z.infer<typeof ServerMessage>;
