import { describe, expect, it } from 'vitest';
import { DataFrameError, MAX_DATA_DESTINATIONS, MAX_DATA_PAYLOAD_BYTES, decodeDataFrame, encodeDataFrame, type DataFrameErrorCode } from './data-frame.ts';

const bytes = (...b: number[]) => new Uint8Array(b);

function codeOf(run: () => unknown): DataFrameErrorCode | undefined {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(DataFrameError);
    return (err as DataFrameError).code;
  }
  return undefined;
}

describe('data frame v1', () => {
  it('encodes a client frame byte for byte (no sender, two destinations, text)', () => {
    const frame = encodeDataFrame({ from: '', to: ['ab', 'c'], text: true, payload: new TextEncoder().encode('hi') });
    expect([...frame]).toEqual([1, 1, 0, 2, 2, 0x61, 0x62, 1, 0x63, 0x68, 0x69]);
    expect(decodeDataFrame(frame)).toEqual({ from: '', to: ['ab', 'c'], text: true, lossy: false, payload: new TextEncoder().encode('hi') });
    expect([...encodeDataFrame({ from: 'a', to: [], text: false, lossy: true, payload: bytes(5) })]).toEqual([1, 2, 1, 0x61, 0, 5]);
    expect(decodeDataFrame(bytes(1, 3, 0, 0)).lossy).toBe(true);
  });

  it('round-trips a relayed frame with a sender and binary payload, empty payload included', () => {
    for (const payload of [new Uint8Array(0), bytes(0, 255, 1), new Uint8Array(MAX_DATA_PAYLOAD_BYTES).fill(7)]) {
      const decoded = decodeDataFrame(encodeDataFrame({ from: 'Xy_9-z', to: [], text: false, payload }));
      expect(decoded.from).toBe('Xy_9-z');
      expect(decoded.to).toEqual([]);
      expect(decoded.text).toBe(false);
      expect(decoded.payload).toEqual(payload);
    }
  });

  it('refuses to encode what it would not decode', () => {
    expect(codeOf(() => encodeDataFrame({ from: 'a b', to: [], text: false, payload: bytes() }))).toBe('BAD_ID');
    expect(codeOf(() => encodeDataFrame({ from: '', to: [''], text: false, payload: bytes() }))).toBe('BAD_ID');
    expect(codeOf(() => encodeDataFrame({ from: '', to: ['é'], text: false, payload: bytes() }))).toBe('BAD_ID');
    expect(codeOf(() => encodeDataFrame({ from: 'x'.repeat(65), to: [], text: false, payload: bytes() }))).toBe('BAD_ID');
    expect(codeOf(() => encodeDataFrame({ from: '', to: Array.from({ length: MAX_DATA_DESTINATIONS + 1 }, (_, i) => `p${i}`), text: false, payload: bytes() }))).toBe('TOO_MANY_DESTINATIONS');
    expect(codeOf(() => encodeDataFrame({ from: '', to: [], text: false, payload: new Uint8Array(MAX_DATA_PAYLOAD_BYTES + 1) }))).toBe('TOO_LARGE');
  });

  it('rejects malformed frames with stable codes', () => {
    const cases: Array<[Uint8Array, DataFrameErrorCode]> = [
      [bytes(), 'TRUNCATED'],
      [bytes(1, 0, 0), 'TRUNCATED'],
      [bytes(2, 0, 0, 0), 'BAD_VERSION'],
      [bytes(0, 0, 0, 0), 'BAD_VERSION'],
      [bytes(1, 4, 0, 0), 'BAD_FLAGS'],
      [bytes(1, 0x81, 0, 0), 'BAD_FLAGS'],
      [bytes(1, 0, 5, 0x61, 0x62), 'TRUNCATED'], // sender id runs past the end
      [bytes(1, 0, 65, ...new Array(65).fill(0x61), 0), 'BAD_ID'],
      [bytes(1, 0, 1, 0x20, 0), 'BAD_ID'], // a space
      [bytes(1, 0, 0, 1, 0), 'BAD_ID'], // an empty destination
      [bytes(1, 0, 0, 2, 1, 0x61), 'TRUNCATED'], // second destination missing
      [bytes(1, 0, 0, 1, 3, 0x61), 'TRUNCATED'],
      [bytes(1, 0, 0, MAX_DATA_DESTINATIONS + 1), 'TOO_MANY_DESTINATIONS'],
      [bytes(1, 0, 1, 0x61), 'TRUNCATED'], // no destination count after the sender
    ];
    for (const [frame, code] of cases) expect(codeOf(() => decodeDataFrame(frame)), `[${[...frame].slice(0, 8).join(',')}]`).toBe(code);
    const big = new Uint8Array(4 + MAX_DATA_PAYLOAD_BYTES + 1);
    big[0] = 1;
    expect(codeOf(() => decodeDataFrame(big))).toBe('TOO_LARGE');
  });

  it('never throws anything but DataFrameError on random bytes', () => {
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let i = 0; i < 3000; i++) {
      const frame = Uint8Array.from({ length: next() % 40 }, next);
      if (i % 3 === 0 && frame.length > 0) frame[0] = 1;
      if (i % 3 === 0 && frame.length > 1) frame[1] = next() & 1;
      try {
        decodeDataFrame(frame);
      } catch (err) {
        expect(err).toBeInstanceOf(DataFrameError);
      }
    }
  });
});
