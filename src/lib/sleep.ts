// Waiting: plain, for one turn of the event loop, and cut short by a stop (loops that idle between passes end at once when their signal aborts).

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Lets the event loop run its I/O once (setImmediate where there is one: setTimeout waits at least a millisecond). */
export const nextTurn = (): Promise<void> =>
  new Promise((resolve) => (typeof globalThis.setImmediate === 'function' ? globalThis.setImmediate(resolve) : setTimeout(resolve, 0)));

/** Resolves after `ms`, or as soon as `signal` aborts; the abort listener is removed either way. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
