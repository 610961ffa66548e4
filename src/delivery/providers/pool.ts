// Sending with a fixed number of requests in flight: one per message (Twilio, in-app webhooks) or one per batch (SendGrid).
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

/** One request per message; each lane takes its tokens just before its own request, so pacing holds per message, not per batch. */
export async function sendEach(messages: OutgoingMessage[], concurrency: number, hooks: SendHooks, one: (m: OutgoingMessage) => Promise<SendOutcome>): Promise<SendOutcome[]> {
  const outcomes: SendOutcome[] = new Array(messages.length);
  await inPool(messages, concurrency, async (m, i) => {
    await hooks.beforeRequest?.([m]);
    outcomes[i] = await one(m);
    hooks.onOutcomes?.([outcomes[i]!]);
  });
  return outcomes;
}
