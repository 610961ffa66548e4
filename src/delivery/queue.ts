// Fan-out on a message queue (Cloudflare Queues): messages carry delivery ids; the ledger, not the queue, decides what is still owed.
import { inTransaction, type Db } from '../db/client.js';
import type { DispatchDeps, DispatchTally } from './dispatch.js';
import { dispatchIds } from './dispatch.js';
import * as ledger from './ledger.js';

/** One message: ids of ledger rows to claim and send. */
export interface DeliveryQueueBody {
  ids: string[];
}

/** The producer side of the queue binding, as far as the fan-out uses it. */
export interface DeliveryQueueProducer {
  sendBatch(messages: Iterable<{ body: DeliveryQueueBody; delaySeconds?: number }>): Promise<unknown>;
}

/** One delivered message, as far as the consumer uses it. */
export interface DeliveryQueueMessage {
  readonly id: string;
  readonly body: unknown;
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

export interface QueueSettings {
  idsPerMessage: number;
  /** The most ids one call puts on the queue; the rest follow from the next call (a consumer's tail or the cron run). */
  maxEnqueued: number;
  redriveMs: number;
}

/** The queue's own limits: 100 messages per sendBatch, a delay of at most 12 hours. */
const messagesPerSend = 100;
const maxDelaySeconds = 43_200;

/**
 * Puts queued rows that are not on the queue (never, or owed again: a retry, a fallback, a resumed run, or
 * a message lost `redriveMs` ago) on it, `idsPerMessage` to a message, each message delayed until its rows
 * are due. The rows are marked in the same transaction as the send: a failed send leaves them owed.
 * Returns how many ids were put on the queue.
 */
export async function enqueueReady(db: Db, queue: DeliveryQueueProducer, settings: QueueSettings, now: Date): Promise<number> {
  return inTransaction(db, async (tx) => {
    const rows = await ledger.takeForQueue(tx, { now, redriveMs: settings.redriveMs, limit: settings.maxEnqueued });
    if (rows.length === 0) return 0;
    rows.sort((a, b) => a.not_before.getTime() - b.not_before.getTime() || Number(a.id) - Number(b.id));
    const messages: { body: DeliveryQueueBody; delaySeconds?: number }[] = [];
    for (let i = 0; i < rows.length; i += settings.idsPerMessage) {
      const chunk = rows.slice(i, i + settings.idsPerMessage);
      const dueInMs = chunk.at(-1)!.not_before.getTime() - now.getTime();
      const delaySeconds = Math.min(maxDelaySeconds, Math.max(0, Math.ceil(dueInMs / 1000)));
      messages.push({ body: { ids: chunk.map((r) => r.id) }, ...(delaySeconds > 0 ? { delaySeconds } : {}) });
    }
    for (let i = 0; i < messages.length; i += messagesPerSend) await queue.sendBatch(messages.slice(i, i + messagesPerSend));
    return rows.length;
  });
}

function idsOf(body: unknown): string[] | null {
  const ids = (body as { ids?: unknown } | null)?.ids;
  return Array.isArray(ids) && ids.every((id) => typeof id === 'string' && /^[0-9]{1,19}$/.test(id)) ? (ids as string[]) : null;
}

export interface ConsumeTally extends DispatchTally {
  acked: number;
  retried_messages: number;
  malformed: number;
}

/**
 * Sends the rows a batch of messages names, one message at a time (an invocation keeps few connections
 * open), acknowledging each on its own: a message whose sending failed is retried alone and the others
 * are not delivered again. A redelivered message claims only what is still queued, so nothing goes twice.
 */
export async function consumeDeliveries(d: DispatchDeps, messages: readonly DeliveryQueueMessage[]): Promise<ConsumeTally> {
  const tally: ConsumeTally = { claimed: 0, accepted: 0, captured: 0, retried: 0, rateLimited: 0, fellBack: 0, exhausted: 0, acked: 0, retried_messages: 0, malformed: 0 };
  for (const message of messages) {
    const ids = idsOf(message.body);
    if (!ids) {
      // Nothing a retry could change: dropped, and said so.
      d.logger.error({ message_id: message.id }, 'a delivery queue message without delivery ids was dropped');
      message.ack();
      tally.malformed++;
      continue;
    }
    try {
      const t = await dispatchIds(d, ids);
      for (const k of ['claimed', 'accepted', 'captured', 'retried', 'rateLimited', 'fellBack', 'exhausted'] as const) tally[k] += t[k];
      message.ack();
      tally.acked++;
    } catch (err) {
      d.logger.error({ err, message_id: message.id, attempts: message.attempts }, 'sending a delivery queue message failed; the queue delivers it again');
      message.retry({ delaySeconds: Math.min(300, 5 * 2 ** Math.min(6, Math.max(0, message.attempts - 1))) });
      tally.retried_messages++;
    }
  }
  return tally;
}
