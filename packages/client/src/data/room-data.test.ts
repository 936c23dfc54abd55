import { describe, expect, it } from 'vitest';
import { decodeDataFrame, encodeDataFrame, type DataFrame } from '@parley/protocol';
import { ParleyError } from '../errors.ts';
import { RoomData, type DataMessage } from './room-data.ts';

/** A data channel as RoomData uses it: readyState, send, and message/open/close events. */
class FakeChannel extends EventTarget {
  readyState: RTCDataChannelState;
  binaryType = 'blob';
  readonly sent: DataFrame[] = [];

  constructor(state: RTCDataChannelState = 'open') {
    super();
    this.readyState = state;
  }

  send(data: Uint8Array): void {
    this.sent.push(decodeDataFrame(data));
  }

  open(): void {
    this.readyState = 'open';
    this.dispatchEvent(new Event('open'));
  }

  /** A frame arriving from the other end. */
  deliver(frame: DataFrame | Uint8Array): void {
    const bytes = frame instanceof Uint8Array ? frame : encodeDataFrame(frame);
    const event = Object.assign(new Event('message'), { data: bytes.slice().buffer });
    this.dispatchEvent(event);
  }
}

const asChannel = (c: FakeChannel) => c as unknown as RTCDataChannel;

function setup(options: { mcu?: boolean; participants?: string[] } = {}) {
  const received: DataMessage[] = [];
  const logs: string[] = [];
  const data = new RoomData({
    participantIds: () => options.participants ?? ['ben', 'cat'],
    canCarryData: () => !options.mcu,
    received: (m) => received.push(m),
    log: (m) => logs.push(m),
  });
  return { data, received, logs };
}

const text = (f: DataFrame) => new TextDecoder().decode(f.payload);

describe('RoomData', () => {
  it('over the SFU: one frame up its reliable or lossy channel, nothing on the direct ones', () => {
    const { data } = setup();
    const sfu = { reliable: new FakeChannel(), lossy: new FakeChannel() };
    const direct = new FakeChannel();
    data.attachControl('ben', asChannel(direct));
    data.attachSfu({ reliable: asChannel(sfu.reliable), lossy: asChannel(sfu.lossy) });
    data.send('hello');
    data.send(new Uint8Array([1, 2, 3]), { reliable: false, to: ['cat'] });
    expect(sfu.reliable.sent.map((f) => [text(f), f.text, f.lossy ?? false, f.to])).toEqual([['hello', true, false, []]]);
    expect(sfu.lossy.sent.map((f) => [[...f.payload], f.text, f.lossy, f.to])).toEqual([[[1, 2, 3], false, true, ['cat']]]);
    expect(direct.sent).toEqual([]);
  });

  it('in a mesh: a frame on each open direct channel, to the ones asked for', () => {
    const { data } = setup();
    const ben = new FakeChannel();
    const cat = new FakeChannel();
    data.attachControl('ben', asChannel(ben));
    data.attachControl('cat', asChannel(cat));
    data.send('all');
    data.send('just cat', { to: ['cat'] });
    expect(ben.sent.map(text)).toEqual(['all']);
    expect(cat.sent.map(text)).toEqual(['all', 'just cat']);
  });

  it('a reliable message waits for a path and goes, in order, once one opens; a lossy one without a path is dropped', () => {
    const { data } = setup({ participants: ['ben'] });
    const ben = new FakeChannel('connecting');
    data.attachControl('ben', asChannel(ben));
    data.send('first');
    data.send('lost', { reliable: false });
    data.send('second');
    expect(ben.sent).toEqual([]);
    ben.open();
    data.attachControl('ben', asChannel(ben)); // what the room does when the channel opens
    expect(ben.sent.map(text)).toEqual(['first', 'second']);
  });

  it('delivers what arrives: the server names the sender on the SFU path, the channel does in a mesh', () => {
    const { data, received, logs } = setup();
    const sfu = { reliable: new FakeChannel(), lossy: new FakeChannel() };
    data.attachSfu({ reliable: asChannel(sfu.reliable), lossy: asChannel(sfu.lossy) });
    const ben = new FakeChannel();
    data.attachControl('ben', asChannel(ben));
    sfu.reliable.deliver({ from: 'cat', to: [], text: true, payload: new TextEncoder().encode('hi') });
    sfu.lossy.deliver({ from: 'cat', to: [], text: false, lossy: true, payload: new Uint8Array([7]) });
    // A mesh peer cannot claim to be someone else: the channel it came on names it.
    ben.deliver({ from: 'cat', to: [], text: true, lossy: true, payload: new TextEncoder().encode('from ben') });
    expect(received).toEqual([
      { from: 'cat', data: 'hi', reliable: true },
      { from: 'cat', data: new Uint8Array([7]), reliable: false },
      { from: 'ben', data: 'from ben', reliable: false },
    ]);
    // Garbage and sender-less frames from the server are dropped, not delivered.
    sfu.reliable.deliver(new Uint8Array([9, 9, 9, 9]));
    sfu.reliable.deliver({ from: '', to: [], text: true, payload: new Uint8Array(0) });
    expect(received).toHaveLength(3);
    expect(logs.some((l) => l.includes('BAD_VERSION'))).toBe(true);
  });

  it('refuses what it cannot carry: over 63 KiB (RangeError), an mcu room (WRONG_TOPOLOGY), over 1 MiB waiting (CAPACITY_EXCEEDED)', () => {
    expect(() => setup().data.send(new Uint8Array(64 * 1024))).toThrow(RangeError);
    expect(() => setup({ mcu: true }).data.send('x')).toThrow(expect.objectContaining({ code: 'WRONG_TOPOLOGY' }));
    const { data } = setup({ participants: ['ben'] });
    data.attachControl('ben', asChannel(new FakeChannel('connecting')));
    const chunk = new Uint8Array(60 * 1024);
    let error: unknown;
    try {
      for (let i = 0; i < 20; i++) data.send(chunk);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ParleyError);
    expect((error as ParleyError).code).toBe('CAPACITY_EXCEEDED');
  });
});
