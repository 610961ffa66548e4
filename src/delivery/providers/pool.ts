// Sending one request per message with a fixed number in flight: the shape shared by Twilio and in-app webhooks.
import type { OutgoingMessage, SendHooks, SendOutcome } from './types.js';

/**
 * A pool: `concurrency` requests in flight all the time, rather than rounds that wait for their slowest.
 * Each lane takes its tokens just before its own request, so pacing holds per message, not per batch.
 */
export async function sendEach(messages: OutgoingMessage[], concurrency: number, hooks: SendHooks, one: (m: OutgoingMessage) => Promise<SendOutcome>): Promise<SendOutcome[]> {
  const outcomes: SendOutcome[] = new Array(messages.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < messages.length; i = next++) {
      const m = messages[i]!;
      await hooks.beforeRequest?.([m]);
      outcomes[i] = await one(m);
      hooks.onOutcomes?.([outcomes[i]!]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, messages.length) }, lane));
  return outcomes;
}
