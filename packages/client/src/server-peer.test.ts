import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ParleyError } from './errors.ts';
import { SLOW_RETRY_MAX_MS, SLOW_RETRY_MS, ServerPeer } from './server-peer.ts';

/** Only what ServerPeer touches of a peer connection: there is no WebRTC in Node. */
class FakePeerConnection {
  signalingState = 'stable';
  connectionState = 'new';
  onconnectionstatechange: unknown = null;
  ontrack: unknown = null;
  oniceconnectionstatechange: unknown = null;
  close(): void {}
}

describe('ServerPeer retries', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('after three quick retries keeps trying every 5–30 s while the failure may pass, and recovers', async () => {
    let calls = 0;
    let failing = true;
    const peer = new ServerPeer({
      configuration: {}, label: 'SFU', finalCodes: ['NOT_FOUND'], onConnectionStateChange: () => {}, retryDelayMs: 100,
      exchange: async () => {
        calls++;
        if (failing) throw new ParleyError('TIMEOUT', 'no answer');
      },
    });
    await peer.negotiate();
    await vi.advanceTimersByTimeAsync(100 + 200); // the quick retries: 100 ms, then 200 ms
    expect(calls).toBe(3);
    expect(peer.gaveUp).toBe(true);
    // Then slower, doubling: 5 s, 10 s, 20 s, 30 s, 30 s.
    const times: number[] = [];
    for (const wait of [SLOW_RETRY_MS, 2 * SLOW_RETRY_MS, 4 * SLOW_RETRY_MS, SLOW_RETRY_MAX_MS, SLOW_RETRY_MAX_MS]) {
      await vi.advanceTimersByTimeAsync(wait - 1);
      times.push(calls);
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(times).toEqual([3, 4, 5, 6, 7]);
    expect(calls).toBe(8);
    failing = false;
    await vi.advanceTimersByTimeAsync(SLOW_RETRY_MAX_MS);
    expect(calls).toBe(9);
    expect(peer.gaveUp).toBe(false);
    // Succeeded: nothing more runs by itself.
    await vi.advanceTimersByTimeAsync(5 * SLOW_RETRY_MAX_MS);
    expect(calls).toBe(9);
    peer.close();
  });

  it('stops at once on a final code, and close() ends the retries', async () => {
    let calls = 0;
    const final = new ServerPeer({
      configuration: {}, label: 'MCU', finalCodes: ['NOT_FOUND'], onConnectionStateChange: () => {},
      exchange: async () => {
        calls++;
        throw new ParleyError('NOT_FOUND', 'no MCU here');
      },
    });
    await final.negotiate();
    await vi.advanceTimersByTimeAsync(10 * SLOW_RETRY_MAX_MS);
    expect(calls).toBe(1);
    expect(final.gaveUp).toBe(true);

    let more = 0;
    const closing = new ServerPeer({
      configuration: {}, label: 'SFU', finalCodes: [], onConnectionStateChange: () => {}, retryDelayMs: 10,
      exchange: async () => {
        more++;
        throw new ParleyError('TIMEOUT', 'no answer');
      },
    });
    await closing.negotiate();
    closing.close();
    await vi.advanceTimersByTimeAsync(10 * SLOW_RETRY_MAX_MS);
    expect(more).toBe(1);
  });
});
