import { describe, expect, it } from 'vitest';
import { lazyCancel, signalAbort } from '../../src/jobs/job-cancel.ts';

describe('a job cancel whose signal is made when asked for', () => {
  it('a cancel before the signal was asked for gives a signal aborted with its reason', () => {
    const cancel = lazyCancel();
    expect(cancel.aborted).toBe(false);
    cancel.abort('ann');
    expect(cancel.aborted).toBe(true);
    expect(cancel.reason).toBe('ann');
    expect(cancel.signal.aborted).toBe(true);
    expect(cancel.signal.reason).toBe('ann');
  });

  it('a cancel after reaches the listeners of the signal handed out; the first reason stays', () => {
    const cancel = lazyCancel();
    const signal = cancel.signal;
    expect(signal.aborted).toBe(false);
    const heard: unknown[] = [];
    signal.addEventListener('abort', () => heard.push(signal.reason));
    cancel.abort('bob');
    cancel.abort('carol');
    expect(heard).toEqual(['bob']);
    expect(cancel.reason).toBe('bob');
    expect(cancel.signal).toBe(signal);
  });

  it('a signal read as a job abort says what the signal says', () => {
    const controller = new AbortController();
    const read = signalAbort(controller.signal);
    expect(read.aborted).toBe(false);
    controller.abort('lock lost');
    expect([read.aborted, read.reason, read.signal]).toEqual([true, 'lock lost', controller.signal]);
  });
});
