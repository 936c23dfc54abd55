import { describe, expect, it, vi } from 'vitest';
import { FileTransferError } from './errors.ts';
import { canTransition, isTerminal, Transfer, type TransferState } from './transfer.ts';

const STATES: TransferState[] = ['pending', 'active', 'completed', 'failed', 'cancelled'];
const make = (onCancel = vi.fn()) => new Transfer({ id: 'abcdefgh', direction: 'outgoing', participantId: 'p', participantName: 'Bob', name: 'a.txt', size: 100, mimeType: 'text/plain', onCancel });

describe('transfer state machine', () => {
  it('allows pending → active → completed, and failing or cancelling before the end', () => {
    expect(canTransition('pending', 'active')).toBe(true);
    expect(canTransition('active', 'completed')).toBe(true);
    for (const from of ['pending', 'active'] as const) for (const to of ['failed', 'cancelled'] as const) expect(canTransition(from, to)).toBe(true);
  });

  it('never leaves an end state, never completes without being active, never goes back', () => {
    for (const from of ['completed', 'failed', 'cancelled'] as const) {
      expect(isTerminal(from)).toBe(true);
      for (const to of STATES) expect(canTransition(from, to)).toBe(false);
    }
    expect(canTransition('pending', 'completed')).toBe(false);
    expect(canTransition('active', 'pending')).toBe(false);
    expect(canTransition('active', 'active')).toBe(false);
  });
});

describe('Transfer', () => {
  it('keeps its first end state and error', () => {
    const t = make();
    expect(t._setState('active')).toBe(true);
    expect(t._setState('failed', new FileTransferError('HASH_MISMATCH', 'x'))).toBe(true);
    expect(t._setState('cancelled')).toBe(false);
    expect(t.state).toBe('failed');
    expect(t.errorCode).toBe('HASH_MISMATCH');
    expect(t.ended).toBe(true);
    expect(t.endedAt).toBeTypeOf('number');
  });

  it('clamps progress to the size', () => {
    const t = make();
    t._setBytesTransferred(150);
    expect(t.bytesTransferred).toBe(100);
    expect(t.progress).toBe(1);
    t._setBytesTransferred(-5);
    expect(t.progress).toBe(0);
  });

  it('cancel() asks its owner once it is running, and does nothing once ended', () => {
    const onCancel = vi.fn();
    const t = make(onCancel);
    t.cancel();
    expect(onCancel).toHaveBeenCalledWith(t);
    t._setState('cancelled');
    t.cancel();
    expect(onCancel).toHaveBeenCalledTimes(1);
  });

  it('FileTransferError carries a code and a message', () => {
    const e = new FileTransferError('TOO_LARGE', 'big');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('FileTransferError');
    expect([e.code, e.message]).toEqual(['TOO_LARGE', 'big']);
  });
});
