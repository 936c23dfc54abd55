import { randomInt } from 'node:crypto';
import { SlotConsumer } from '../sfu/slot-consumer.ts';
import type { PacketAllocator } from '../sfu/write-forwarded.ts';
import type { Router } from './router.ts';
import type { AnsweredSection, SubscribePlan } from './sdp.ts';

/** What a slot carries: Opus (RFC 7587), whoever speaks. */
const SLOT_CODEC = { encodingName: 'opus', clockRate: 48_000 } as const;
/** The slots' MediaStream id (a=msid, RFC 8830): the subscriber plays each slot's track. */
export const AUDIO_SLOT_STREAM_ID = 'parley-audio-slots';

/**
 * One subscriber's audio slots in an audio-only room: a receiving audio section per slot, each answered with a
 * fixed SSRC, whose content the router switches between speakers. Kept across renegotiations while the mid is.
 */
export class TransportSlots {
  readonly #ownerId: string;
  readonly #router: Router;
  readonly #send: (packet: Buffer, offsetOfTransportSeq: number) => void;
  readonly #allocate: PacketAllocator;
  readonly #byMid = new Map<string, SlotConsumer>();
  #order: string[] = [];

  constructor(options: { ownerId: string; router: Router; send: (packet: Buffer, offsetOfTransportSeq: number) => void; allocate: PacketAllocator }) {
    this.#ownerId = options.ownerId;
    this.#router = options.router;
    this.#send = options.send;
    this.#allocate = options.allocate;
  }

  /** The slot consumers in slot order. */
  consumers(): SlotConsumer[] {
    return this.#order.map((mid) => this.#byMid.get(mid)).filter((c): c is SlotConsumer => c !== undefined);
  }

  /** Plans for the offer's slot mids (at most the room's slot count; other ones are left inactive). */
  plans(mids: readonly string[], cname: string, taken: (ssrc: number) => boolean): Map<string, SubscribePlan> {
    const plans = new Map<string, SubscribePlan>();
    const count = this.#router.audioSlots ?? 0;
    for (const [i, mid] of mids.slice(0, count).entries()) {
      let ssrc = this.#byMid.get(mid)?.ssrc;
      const used = (x: number): boolean => taken(x) || [...plans.values()].some((p) => p.ssrc === x) || this.consumers().some((c) => c.ssrc === x);
      while (ssrc === undefined) {
        const candidate = randomInt(1, 0xffff_fffe);
        if (!used(candidate)) ssrc = candidate;
      }
      plans.set(mid, { codec: SLOT_CODEC, ssrc, cname, streamId: AUDIO_SLOT_STREAM_ID, trackId: `slot-${i}` });
    }
    return plans;
  }

  /** After an answer: slot consumers for the answered slot sections, the rest closed; the router learns the list. */
  apply(mids: readonly string[], sections: ReadonlyMap<string, AnsweredSection>, plans: ReadonlyMap<string, SubscribePlan>): void {
    const order = mids.filter((mid) => plans.has(mid) && sections.get(mid)?.role === 'subscribe');
    for (const [mid, slot] of this.#byMid) {
      if (order.includes(mid)) continue;
      slot.close();
      this.#byMid.delete(mid);
    }
    for (const mid of order) {
      if (this.#byMid.has(mid)) continue;
      const section = sections.get(mid) as AnsweredSection;
      const plan = plans.get(mid) as SubscribePlan;
      this.#byMid.set(mid, new SlotConsumer({
        id: `${this.#ownerId}-slot-${mid}`,
        ssrc: plan.ssrc,
        payloadType: section.payloadType as number,
        ...(section.extensions.transportCc !== undefined ? { transportCcExtensionId: section.extensions.transportCc } : {}),
        send: this.#send,
        allocate: this.#allocate,
      }));
    }
    const changed = order.length !== this.#order.length || order.some((mid, i) => mid !== this.#order[i]);
    this.#order = order;
    if (changed && this.#router.audioSlots !== undefined) this.#router.setSlots(this.#ownerId, this.consumers());
  }

  close(): void {
    for (const slot of this.#byMid.values()) slot.close();
    this.#byMid.clear();
    this.#order = [];
    if (this.#router.audioSlots !== undefined) this.#router.setSlots(this.#ownerId, []);
  }
}
