// Sending with a bounded number of requests in flight: one per message (Twilio, in-app webhooks) or one per batch (SendGrid).
import type { OutgoingMessage, SendHooks, SendOutcome } from './types.js';

/**
 * Runs `work` over `items` with `concurrency` in flight all the time, rather than in rounds that wait for
 * their slowest: a slow or hanging item holds only its own lane.
 */
export async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
}

/** A limit on requests in flight shared by every send that holds it: all the passes of one process, say. */
export interface Slots {
  /** Runs `work` once a slot is free (first come, first served) and frees the slot when it settles. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

export function slots(size: number): Slots {
  const max = Math.max(1, size);
  let busy = 0;
  const waiting: (() => void)[] = [];
  return {
    async run(work) {
      if (busy < max) busy++;
      // The slot is handed over by the one that frees it, so `busy` never drops between the two.
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await work();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else busy--;
      }
    },
  };
}

/**
 * One request per message, each in a slot of `limit`; a message takes its tokens once it holds a slot, just
 * before its own request, so pacing holds per message, not per batch. A slow or hanging request holds only its
 * own slot. With `limit` shared by the passes of a process, the process never has more requests out than the
 * limit, however many passes run: none waits in an HTTP client's queue already paced and counted as sending.
 */
export async function sendEach(messages: OutgoingMessage[], limit: Slots, hooks: SendHooks, one: (m: OutgoingMessage) => Promise<SendOutcome>): Promise<SendOutcome[]> {
  const outcomes: SendOutcome[] = new Array(messages.length);
  await Promise.all(
    messages.map((m, i) =>
      limit.run(async () => {
        await hooks.beforeRequest?.([m]);
        outcomes[i] = await one(m);
        hooks.onOutcomes?.([outcomes[i]!]);
      }),
    ),
  );
  return outcomes;
}
