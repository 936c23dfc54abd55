import type { ProducerInfo } from '@parley/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SfuConnection, type SfuOfferRequest } from './connection.ts';

/** The answer's direction for each mid, as the fake server decides it. */
let answerFor: (mid: string) => RTCRtpTransceiverDirection = () => 'recvonly';

/** Only what SfuConnection touches of WebRTC (Node has none): transceivers get mids at setLocalDescription. */
class FakeTransceiver {
  mid: string | null = null;
  currentDirection: RTCRtpTransceiverDirection | null = null;
  direction: RTCRtpTransceiverDirection;
  readonly receiver: { track: { kind: string } };
  readonly sender = { track: null };
  constructor(kind: string, direction: RTCRtpTransceiverDirection) {
    this.receiver = { track: { kind } };
    this.direction = direction;
  }
}

class FakePeerConnection {
  signalingState = 'stable';
  connectionState = 'new';
  iceConnectionState = 'new';
  localDescription: { type: string; sdp: string } | null = null;
  onconnectionstatechange: unknown = null;
  oniceconnectionstatechange: unknown = null;
  ontrack: unknown = null;
  readonly transceivers: FakeTransceiver[] = [];
  addTransceiver(kind: string, init: { direction: RTCRtpTransceiverDirection }): FakeTransceiver {
    const t = new FakeTransceiver(kind, init.direction);
    this.transceivers.push(t);
    return t;
  }
  async createOffer(): Promise<{ type: string; sdp: string }> {
    return { type: 'offer', sdp: 'v=0' };
  }
  async setLocalDescription(d: { type: string; sdp: string }): Promise<void> {
    if (d.type === 'rollback') {
      this.signalingState = 'stable';
      return;
    }
    this.transceivers.forEach((t, i) => (t.mid ??= String(i)));
    this.localDescription = d;
    this.signalingState = 'have-local-offer';
  }
  async setRemoteDescription(): Promise<void> {
    for (const t of this.transceivers) t.currentDirection = t.direction === 'inactive' ? 'inactive' : answerFor(t.mid as string);
    this.signalingState = 'stable';
  }
  close(): void {}
}

const bobVideo: ProducerInfo = { id: 'p-bob-video', participantId: 'bob', kind: 'video', source: 'camera', streamId: 's-bob' };

describe('SfuConnection subscriptions', () => {
  beforeEach(() => vi.stubGlobal('RTCPeerConnection', FakePeerConnection));
  afterEach(() => {
    vi.unstubAllGlobals();
    answerFor = () => 'recvonly';
  });

  it('offers a subscription again when the answer left it not receiving without rejecting it, and then receives it', async () => {
    const offers: SfuOfferRequest[] = [];
    let answers = 0;
    answerFor = () => (answers === 1 ? 'inactive' : 'recvonly');
    const logs: string[] = [];
    const connection = new SfuConnection({
      configuration: {}, log: (m) => logs.push(m),
      offer: async (request) => {
        offers.push(request);
        answers++;
        return { sdp: 'v=0' };
      },
    });
    const added: string[] = [];
    connection.on('trackAdded', (producer) => added.push(producer.id));
    connection.subscribe(bobVideo);
    await vi.waitFor(() => expect(added).toEqual([bobVideo.id]));
    expect(offers.map((o) => o.subscribe.map((s) => s.producerId))).toEqual([[bobVideo.id], [bobVideo.id]]);
    expect(logs.join('\n')).toContain('not receiving; offering again');
    connection.close();
  });

  it('a few times in a row at once, then after 5 s, 10 s, … up to every 30 s until it receives', async () => {
    vi.useFakeTimers();
    try {
      let offers = 0;
      answerFor = () => 'inactive';
      const connection = new SfuConnection({ configuration: {}, offer: async () => (offers++, { sdp: 'v=0' }) });
      const added: string[] = [];
      connection.on('trackAdded', (producer) => added.push(producer.id));
      connection.subscribe(bobVideo);
      await vi.advanceTimersByTimeAsync(50);
      expect(offers).toBe(4); // the first offer and three more at once
      await vi.advanceTimersByTimeAsync(4900);
      expect(offers).toBe(4);
      await vi.advanceTimersByTimeAsync(100);
      expect(offers).toBe(5);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(offers).toBe(6);
      await vi.advanceTimersByTimeAsync(20_000 + 30_000 + 30_000);
      expect(offers).toBe(9); // 20 s, then capped at 30 s
      answerFor = () => 'recvonly';
      await vi.advanceTimersByTimeAsync(30_000);
      expect(offers).toBe(10);
      expect(added).toEqual([bobVideo.id]);
      await vi.advanceTimersByTimeAsync(120_000);
      expect(offers).toBe(10); // receiving: no more offers
      connection.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops offering again once the connection is closed', async () => {
    vi.useFakeTimers();
    try {
      let offers = 0;
      answerFor = () => 'inactive';
      const connection = new SfuConnection({ configuration: {}, offer: async () => (offers++, { sdp: 'v=0' }) });
      connection.subscribe(bobVideo);
      await vi.advanceTimersByTimeAsync(50);
      connection.close();
      await vi.advanceTimersByTimeAsync(120_000);
      expect(offers).toBe(4);
    } finally {
      vi.useRealTimers();
    }
  });
});
