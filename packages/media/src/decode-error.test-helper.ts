import { expect } from 'vitest';
import { MediaDecodeError } from './errors.ts';

/** Runs `fn`, which must throw a MediaDecodeError, and returns its stable code. */
export function decodeErrorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MediaDecodeError);
    return (err as MediaDecodeError).code;
  }
  throw new Error('expected a MediaDecodeError');
}
