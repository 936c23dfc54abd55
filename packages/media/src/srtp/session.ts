import { MediaDecodeError, SrtpError, asBuffer } from '../errors.ts';
import { rtpHeaderLength } from '../rtp.ts';
import { isNewerSeq } from '../seq.ts';
import { AesCmTransform, SRTCP_CLEAR_HEADER, SRTCP_INDEX_MASK } from './aes-cm.ts';
import { AesGcmTransform } from './aes-gcm.ts';
import { deriveSessionKeys } from './kdf.ts';
import { SRTP_PROFILES, type SrtpProfile, type SrtpProfileParameters } from './profiles.ts';
import { ReplayWindow, estimateRoc } from './replay.ts';

export interface SrtpSessionOptions {
  profile: SrtpProfile;
  masterKey: Uint8Array;
  masterSalt: Uint8Array;
  /** Replay window in packets, per SSRC, for SRTP and SRTCP; RFC 3711 §3.3.2 minimum and default 64. */
  replayWindowSize?: number;
}

interface RtpStreamState {
  roc: number;
  /** s_l of RFC 3711 §3.3.1: the highest sequence number seen with this ROC. */
  highestSeq: number;
  replay?: ReplayWindow;
}

/** The per-packet cipher of one key set (SRTP or SRTCP): AES-CM + HMAC-SHA1 or AES-GCM, built once per session. */
type PacketTransform = AesCmTransform | AesGcmTransform;

/** RFC 3711 §3.3.1: the ROC is 32 bits, so the packet index is 48 bits. */
const MAX_ROC = 0xffff_ffff;
/**
 * Receive-side state is kept for at most this many SSRCs per direction; a new one evicts the oldest. A peer that
 * holds the keys could otherwise grow our memory by sending from a fresh SSRC each packet (found by
 * test/media/sfu-resources.test.ts).
 */
export const MAX_RECEIVE_SSRCS = 256;

function setBounded<V>(map: Map<number, V>, key: number, value: V): void {
  if (!map.has(key) && map.size >= MAX_RECEIVE_SSRCS) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, value);
}

/**
 * One direction's SRTP/SRTCP crypto context (RFC 3711 §3.2): session keys derived once from the master key, and
 * per-SSRC rollover counters, replay windows and SRTCP indices. Use one instance to protect what you send and
 * another, with the peer's master key, to unprotect what you receive.
 *
 * Inputs are never mutated; outputs are new buffers. State for an SSRC is created only by a packet that
 * authenticated, so forged traffic cannot make it grow.
 */
export class SrtpSession {
  readonly profile: SrtpProfile;
  readonly #params: SrtpProfileParameters;
  readonly #rtp: PacketTransform;
  readonly #rtcp: PacketTransform;
  readonly #windowSize: number;
  readonly #sendRtp = new Map<number, RtpStreamState>();
  readonly #recvRtp = new Map<number, RtpStreamState>();
  readonly #sendRtcpIndex = new Map<number, number>();
  readonly #recvRtcp = new Map<number, ReplayWindow>();

  constructor(options: SrtpSessionOptions) {
    this.profile = options.profile;
    this.#params = SRTP_PROFILES[options.profile];
    const keys = deriveSessionKeys(options.profile, options.masterKey, options.masterSalt);
    // The ciphers and HMAC pads are set up here once, not per packet (see bench/media/srtp.ts for the difference).
    this.#rtp = this.#params.aead ? new AesGcmTransform(keys.rtp) : new AesCmTransform(keys.rtp, this.#params.rtpTagLength);
    this.#rtcp = this.#params.aead ? new AesGcmTransform(keys.rtcp) : new AesCmTransform(keys.rtcp, this.#params.rtcpTagLength);
    this.#windowSize = options.replayWindowSize ?? 64;
    new ReplayWindow(this.#windowSize); // validates the size up front
  }

  /** RTP → SRTP. The sender's ROC advances when the sequence number wraps (RFC 3711 §3.3.1). */
  protectRtp(bytes: Uint8Array): Buffer {
    const packet = asBuffer(bytes);
    const headerLength = rtpHeaderLength(packet);
    return this.#rtp.protectRtp(packet, headerLength, this.#sendRoc(packet));
  }

  /** The ROC to send `packet` with, advancing the sender's state (RFC 3711 §3.3.1). */
  #sendRoc(packet: Buffer): number {
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    let state = this.#sendRtp.get(ssrc);
    if (!state) this.#sendRtp.set(ssrc, (state = { roc: 0, highestSeq: seq }));
    // A retransmission from before the last wrap keeps its old ROC; nothing before the first packet exists.
    const roc = Math.max(0, estimateRoc(state.highestSeq, state.roc, seq));
    if (roc > MAX_ROC) throw new SrtpError('INDEX_EXHAUSTED', `SSRC ${ssrc} has used all 2^48 SRTP indices; rekey`);
    if (roc > state.roc || (roc === state.roc && isNewerSeq(seq, state.highestSeq))) {
      state.roc = roc;
      state.highestSeq = seq;
    }
    return roc;
  }

  /**
   * `protectRtp` for a packet the caller owns with at least 16 writable bytes after it in the same allocation
   * (FORWARDED_TAIL_ROOM): AES-CM encrypts it in place and appends the tag there, no copy. The packet's bytes are
   * consumed: afterwards they are ciphertext. GCM (which Node encrypts only into new buffers) copies as usual.
   */
  protectRtpInPlace(packet: Buffer): Buffer {
    if (!(this.#rtp instanceof AesCmTransform)) return this.protectRtp(packet);
    const headerLength = rtpHeaderLength(packet);
    return this.#rtp.protectRtpInPlace(packet, headerLength, this.#sendRoc(packet));
  }

  /** SRTP → RTP, following RFC 3711 §3.3: estimate the index, check replay, authenticate, decrypt, then update. */
  unprotectRtp(bytes: Uint8Array): Buffer {
    return this.#unprotectRtp(bytes, false);
  }

  /**
   * `unprotectRtp` for a packet the caller owns and gives up (a datagram just received, in memory of its own):
   * AES-CM decrypts it where it is and returns the clear packet as a view of the same memory, so keeping it (the
   * SFU's NACK cache) keeps exactly that datagram's allocation. GCM copies as usual.
   */
  unprotectRtpInPlace(bytes: Uint8Array): Buffer {
    return this.#unprotectRtp(bytes, true);
  }

  #unprotectRtp(bytes: Uint8Array, inPlace: boolean): Buffer {
    const packet = asBuffer(bytes);
    const tagLength = this.#params.rtpTagLength;
    if (packet.length < 12 + tagLength) throw new SrtpError('TRUNCATED', `an SRTP packet is at least ${12 + tagLength} bytes, got ${packet.length}`);
    let headerLength: number;
    try {
      headerLength = rtpHeaderLength(packet.subarray(0, packet.length - tagLength));
    } catch (err) {
      if (err instanceof MediaDecodeError) throw new SrtpError('BAD_HEADER', `SRTP header: ${err.message}`, { cause: err });
      throw err;
    }
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const known = this.#recvRtp.get(ssrc);
    // RFC 3711 §3.3.1: the first packet of a stream sets s_l; ROC starts at 0 (DTLS-SRTP signals no other).
    const state = known ?? { roc: 0, highestSeq: seq, replay: new ReplayWindow(this.#windowSize) };
    const roc = estimateRoc(state.highestSeq, state.roc, seq);
    if (roc < 0) throw new SrtpError('TOO_OLD', `SRTP packet ${seq} of SSRC ${ssrc} precedes the stream`);
    if (roc > MAX_ROC) throw new SrtpError('INDEX_EXHAUSTED', `SSRC ${ssrc} has used all 2^48 SRTP indices`);
    const index = roc * 0x1_0000 + seq;
    const rejected = state.replay?.check(index);
    if (rejected) throw new SrtpError(rejected, `SRTP index ${index} of SSRC ${ssrc} is ${rejected === 'REPLAYED' ? 'a replay' : 'left of the replay window'}`);
    const clear = inPlace && this.#rtp instanceof AesCmTransform ? this.#rtp.unprotectRtpInPlace(packet, headerLength, roc) : this.#rtp.unprotectRtp(packet, headerLength, roc);
    // Authenticated: only now may the stream state move (RFC 3711 §3.3.1 "after successful authentication").
    if (!known) setBounded(this.#recvRtp, ssrc, state);
    if (roc > state.roc || (roc === state.roc && isNewerSeq(seq, state.highestSeq))) {
      state.roc = roc;
      state.highestSeq = seq;
    }
    state.replay?.accept(index);
    return clear;
  }

  /**
   * RTCP → SRTCP with the next SRTCP index of the packet's sender SSRC (starting at 0), or `index` when given
   * (tests, or resuming a context).
   */
  protectRtcp(bytes: Uint8Array, index?: number): Buffer {
    const packet = asBuffer(bytes);
    if (packet.length < SRTCP_CLEAR_HEADER) throw new SrtpError('BAD_HEADER', `an RTCP packet is at least 8 bytes, got ${packet.length}`);
    if ((packet[0] as number) >> 6 !== 2) throw new SrtpError('BAD_HEADER', 'not RTCP version 2');
    const ssrc = packet.readUInt32BE(4);
    const i = index ?? this.#sendRtcpIndex.get(ssrc) ?? 0;
    if (!Number.isInteger(i) || i < 0 || i > SRTCP_INDEX_MASK) throw new SrtpError('INDEX_EXHAUSTED', `SRTCP index ${i} of SSRC ${ssrc} exceeds 2^31 − 1; rekey (RFC 3711 §3.4)`);
    this.#sendRtcpIndex.set(ssrc, i + 1);
    return this.#rtcp.protectRtcp(packet, i);
  }

  /** Forgets every counter and replay window of `ssrc` (its producer or consumer closed), so state never accumulates. */
  deleteSsrc(ssrc: number): void {
    this.#sendRtp.delete(ssrc);
    this.#recvRtp.delete(ssrc);
    this.#sendRtcpIndex.delete(ssrc);
    this.#recvRtcp.delete(ssrc);
  }

  /** How many SSRCs hold state, for leak checks and metrics. */
  get ssrcCount(): number {
    return new Set([...this.#sendRtp.keys(), ...this.#recvRtp.keys(), ...this.#sendRtcpIndex.keys(), ...this.#recvRtcp.keys()]).size;
  }

  unprotectRtcp(bytes: Uint8Array): Buffer {
    const packet = asBuffer(bytes);
    const tagLength = this.#params.rtcpTagLength;
    if (packet.length < SRTCP_CLEAR_HEADER + 4 + tagLength) {
      throw new SrtpError('TRUNCATED', `an SRTCP packet is at least ${SRTCP_CLEAR_HEADER + 4 + tagLength} bytes, got ${packet.length}`);
    }
    if ((packet[0] as number) >> 6 !== 2) throw new SrtpError('BAD_HEADER', 'not RTCP version 2');
    const ssrc = packet.readUInt32BE(4);
    // The index sits before the tag for AES-CM (RFC 3711 §3.4) and after it for GCM (RFC 7714 §9.1).
    const word = this.#params.aead ? packet.readUInt32BE(packet.length - 4) : packet.readUInt32BE(packet.length - tagLength - 4);
    const index = word & SRTCP_INDEX_MASK;
    const window = this.#recvRtcp.get(ssrc) ?? new ReplayWindow(this.#windowSize);
    const rejected = window.check(index);
    if (rejected) throw new SrtpError(rejected, `SRTCP index ${index} of SSRC ${ssrc} is ${rejected === 'REPLAYED' ? 'a replay' : 'left of the replay window'}`);
    const clear = this.#rtcp.unprotectRtcp(packet);
    setBounded(this.#recvRtcp, ssrc, window);
    window.accept(index);
    return clear.packet;
  }
}
