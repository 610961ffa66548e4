import { expect, it } from 'vitest';
import { consumeDeliveries, enqueueReady, type DeliveryQueueBody, type DeliveryQueueMessage } from '../../src/delivery/queue.js';
import { owedToQueue } from '../../src/delivery/ledger.js';
import { dispatchDeps } from '../../src/delivery/setup.js';
import { fixedClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { directoryUser, plannedRun } from '../helpers/delivery-flow.js';
import { describeEachDatabase, testRenderer } from '../helpers/harness.js';

/** An in-memory queue: what was sent, and messages that record how they were settled. */
function memoryQueue() {
  const sent: { body: DeliveryQueueBody; delaySeconds?: number }[] = [];
  return {
    sent,
    async sendBatch(messages: Iterable<{ body: DeliveryQueueBody; delaySeconds?: number }>) {
      sent.push(...messages);
    },
    deliver(bodies: unknown[]): (DeliveryQueueMessage & { settled: string | null })[] {
      return bodies.map((body, i) => {
        const m = {
          id: `m${i}`,
          body,
          attempts: 1,
          settled: null as string | null,
          ack: () => void (m.settled = 'ack'),
          retry: () => void (m.settled = 'retry'),
        };
        return m;
      });
    },
  };
}

const settings = { idsPerMessage: 2, maxEnqueued: 100, redriveMs: 60_000 };

describeEachDatabase('the delivery queue (Workers fan-out) over the ledger', (harness) => {
  it('puts ready rows on the queue once, sends each once however often a message comes, and puts back what fell out', async () => {
    const h = harness();
    const users = ['q-1', 'q-2', 'q-3', 'q-4', 'q-5'].map((id) => directoryUser(id, { email: `${id}@example.com` }));
    const { run } = await plannedRun(h, users);
    // Planned rows are due at the real time of planning: the test clock starts after it.
    const clock = fixedClock(new Date());
    const queue = memoryQueue();
    const deps = dispatchDeps({ config: h.config, db: h.db.sql, renderer: testRenderer(), clock, logger: createLogger('silent'), owner: 'queue-test' });

    // Five rows, two ids to a message; a second call finds nothing new.
    expect(await enqueueReady(h.db.sql, queue, settings, clock.now())).toBe(5);
    expect(queue.sent.map((m) => m.body.ids.length)).toEqual([2, 2, 1]);
    expect(queue.sent.every((m) => m.delaySeconds === undefined)).toBe(true);
    expect(await enqueueReady(h.db.sql, queue, settings, clock.now())).toBe(0);

    // Every message twice, and one that names no deliveries: each row is claimed and sent once.
    const bodies = queue.sent.map((m) => m.body);
    const first = queue.deliver([...bodies, { nonsense: true }]);
    const tally = await consumeDeliveries(deps, first);
    expect(tally).toMatchObject({ claimed: 5, captured: 5, acked: 3, malformed: 1, retried_messages: 0 });
    expect(first.map((m) => m.settled)).toEqual(['ack', 'ack', 'ack', 'ack']);
    const again = queue.deliver(bodies);
    expect(await consumeDeliveries(deps, again)).toMatchObject({ claimed: 0, acked: 3 });
    const rows = await h.db.sql<{ state: string; attempts: number }[]>`select state, attempts from deliveries where run_id = ${run.id as string}`;
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.state === 'captured' && r.attempts === 1)).toBe(true);

    // A row owed again (a retry in a minute) goes on the queue delayed until it is due.
    const [retry] = await h.db.sql<{ id: string }[]>`
      update deliveries set state = 'queued', not_before = ${new Date(clock.now().getTime() + 61_000)}, enqueued_at = '-infinity'
      where id = (select min(id) from deliveries where run_id = ${run.id as string}) returning id::text as id`;
    queue.sent.length = 0;
    expect(await enqueueReady(h.db.sql, queue, settings, clock.now())).toBe(1);
    expect(queue.sent).toEqual([{ body: { ids: [retry!.id] }, delaySeconds: 61 }]);
    // The message is lost: nothing more until QUEUE_REDRIVE_MS has passed, then it is put on the queue again.
    clock.advance(30_000);
    expect(await enqueueReady(h.db.sql, queue, settings, clock.now())).toBe(0);
    clock.advance(31_000);
    expect(await enqueueReady(h.db.sql, queue, settings, clock.now())).toBe(1);
    // A resumed run's queued rows are owed to the queue at once.
    await owedToQueue(h.db.sql, run.id as string);
    expect(await enqueueReady(h.db.sql, queue, settings, clock.now())).toBe(1);
  });

  it('retries only the message whose sending failed; the others are acknowledged', async () => {
    const h = harness();
    await plannedRun(h, [directoryUser('r-1', { email: 'r-1@example.com' })]);
    const clock = fixedClock(new Date());
    const deps = dispatchDeps({ config: h.config, db: h.db.sql, renderer: testRenderer(), clock, logger: createLogger('silent'), owner: 'queue-retry' });
    const queue = memoryQueue();
    await enqueueReady(h.db.sql, queue, settings, clock.now());
    const failing = { ...deps, renderer: Object.assign(Object.create(deps.renderer) as typeof deps.renderer, { render: () => Promise.reject(new Error('rendering failed')), renderShared: () => Promise.reject(new Error('rendering failed')) }) };
    // Every message of this run fails to send; a message with nothing to send beside them is acknowledged.
    const owed = queue.sent.length;
    expect(owed).toBeGreaterThan(0);
    const messages = queue.deliver([...queue.sent.map((m) => m.body), { ids: [] }]);
    const tally = await consumeDeliveries(failing, messages);
    expect(tally).toMatchObject({ retried_messages: owed, acked: 1 });
    expect(messages.map((m) => m.settled)).toEqual([...Array<string>(owed).fill('retry'), 'ack']);
  });
});
