// Idle waits that a stop cuts short, without leaving listeners on the signal.
import { expect, it } from 'vitest';
import { sleepUnlessAborted } from '../src/lib/sleep.js';

it('ends at the timer or at the abort, and removes its abort listener either way', async () => {
  const controller = new AbortController();
  const added: unknown[] = [];
  const removed: unknown[] = [];
  const signal = controller.signal;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, fn: EventListener, o?: AddEventListenerOptions) => (added.push(fn), add(type, fn, o))) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, fn: EventListener) => (removed.push(fn), remove(type, fn))) as typeof signal.removeEventListener;
  const t0 = Date.now();
  await sleepUnlessAborted(20, signal);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(15);
  expect(removed).toEqual(added);
  const cut = sleepUnlessAborted(60_000, signal);
  controller.abort();
  await cut;
  expect(removed).toHaveLength(2);
  // Already stopped: no wait at all.
  await sleepUnlessAborted(60_000, signal);
  expect(added).toHaveLength(2);
});
