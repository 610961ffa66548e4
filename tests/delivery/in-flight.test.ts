// One limit on Twilio requests in flight per process, shared by its passes and by SMS and calls, as Twilio's own
// account limit counts them; and the worker refuses settings its heap cannot hold.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { dispatchOnce, newClaimPosition } from '../../src/delivery/dispatch.js';
import { heapBudgetProblem, heapNeededBytes } from '../../src/delivery/heap-budget.js';
import { slots } from '../../src/delivery/providers/pool.js';
import { dispatchDeps, twilioNodeClientFor } from '../../src/delivery/setup.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { sleep } from '../../src/lib/sleep.js';
import { providerEnvFor } from '../fakes/env.js';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio.js';
import { directoryUser, plannedRun } from '../helpers/delivery-flow.js';
import { describeEachDatabase, testRenderer } from '../helpers/harness.js';

describe('slots', () => {
  it('never run more than their size at once, hand out in arrival order, and a hanging one holds only its own', async () => {
    const limit = slots(3);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const work = (i: number, ms: number) =>
      limit.run(async () => {
        started.push(i);
        most = Math.max(most, ++running);
        await sleep(ms);
        running--;
        return i;
      });
    // One hangs for 400 ms; the other eleven (10 ms each) pass through the two slots left meanwhile.
    const t0 = performance.now();
    const hanging = work(0, 400);
    const rest = await Promise.all(Array.from({ length: 11 }, (_, i) => work(i + 1, 10)));
    const restMs = performance.now() - t0;
    expect(rest).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    expect(most).toBe(3);
    expect(started).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(restMs).toBeLessThan(350);
    expect(await hanging).toBe(0);
    // A failing task frees its slot too.
    await expect(limit.run(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await Promise.all([1, 2, 3].map((i) => limit.run(async () => i)))).toEqual([1, 2, 3]);
  });
});

let sg: FakeSendgrid;
let tw: FakeTwilio;
beforeAll(async () => {
  sg = await startFakeSendgrid({});
  // Twilio refuses a request over the account's concurrency limit with 20429, as the real API does.
  tw = await startFakeTwilio({ latency: 50, concurrentRequests: 5 });
});
afterAll(async () => {
  await sg.close();
  await tw.close();
});

describeEachDatabase('Twilio requests in flight', (harness) => {
  it('two passes of one worker keep TWILIO_MAX_IN_FLIGHT requests out in all, not each: an account limited to 5 refuses none', async () => {
    const h = harness();
    await plannedRun(h, Array.from({ length: 40 }, (_, i) => directoryUser(`p-${i}`, { phone: `+86138000${String(10_000 + i)}` })));
    const config = loadConfig({ ...providerEnvFor(sg, tw), TWILIO_MAX_IN_FLIGHT: '5', DELIVERY_BATCH_SIZE: '20', SMS_SEGMENTS_PER_SECOND: '1000000' });
    const d = dispatchDeps({ config, db: h.db.sql, renderer: testRenderer(), clock: systemClock, logger: createLogger('silent'), owner: 'in-flight-test', twilioHttpClient: twilioNodeClientFor(config) });
    const refused0 = tw.stats.refusedOverConcurrency;
    tw.stats.mostAtOnce = 0;
    // Two passes at once, as `runWorker` runs them: each claims 20 rows and sends them through the same providers.
    const tallies = await Promise.all([dispatchOnce(d), dispatchOnce({ ...d, claimCursor: newClaimPosition() })]);
    expect(tallies.map((t) => t.claimed)).toEqual([20, 20]);
    expect(tallies.reduce((n, t) => n + t.accepted, 0)).toBe(40);
    expect(tw.stats.refusedOverConcurrency - refused0).toBe(0);
    expect(tw.stats.mostAtOnce).toBe(5);
    const [row] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from deliveries where channel = 'sms' and state = 'accepted'`;
    expect(row!.n).toBe(40);
  }, 60_000);
});

describeEachDatabase('the batches of one pass', (harness) => {
  it('the batches of one pass go out together: a slow answer in the first holds none after it', async () => {
    const h = harness();
    await plannedRun(h, Array.from({ length: 3 }, (_, i) => directoryUser(`b-${i}`, { phone: `+86138000${String(20_000 + i)}` })));
    const config = loadConfig({ ...providerEnvFor(sg, tw), TWILIO_MAX_IN_FLIGHT: '5', SMS_SEGMENTS_PER_SECOND: '1000000' });
    const d = dispatchDeps({ config, db: h.db.sql, renderer: testRenderer(), clock: systemClock, logger: createLogger('silent'), owner: 'batches-test', twilioHttpClient: twilioNodeClientFor(config) });
    // One message per send(): the pass's three rows are three batches, and the first answer takes a second.
    const sms = { ...d.providers.sms, maxBatch: 1 };
    tw.faults.script({ kind: 'slow', ms: 1000 });
    tw.stats.mostAtOnce = 0;
    const tally = await dispatchOnce({ ...d, providers: { ...d.providers, sms } });
    expect(tally).toMatchObject({ claimed: 3, accepted: 3 });
    // One after another, never more than one request would have been out at once.
    expect(tw.stats.mostAtOnce).toBe(3);
  }, 60_000);
});

describe('the worker heap budget', () => {
  const mib = 1024 * 1024;
  const settings = (batch: number, passes: number, inFlight = 100) => ({ DELIVERY_BATCH_SIZE: batch, DELIVERY_PASSES_IN_FLIGHT: passes, TWILIO_MAX_IN_FLIGHT: inFlight });

  it('fits the defaults and the benchmark settings in the 192 MB `npm run worker` gives (V8 reports 240 MB with the young generation), and refuses what does not', () => {
    expect(heapBudgetProblem(240 * mib, settings(500, 2))).toBeNull();
    expect(heapBudgetProblem(240 * mib, settings(2000, 4, 500))).toBeNull();
    const problem = heapBudgetProblem(240 * mib, settings(5000, 8));
    expect(problem).toContain('DELIVERY_BATCH_SIZE × DELIVERY_PASSES_IN_FLIGHT: 5000 × 8 = 40000 rows');
    expect(problem).toContain('this process has 240 MB');
    expect(heapNeededBytes(settings(5000, 8))).toBeGreaterThan(heapNeededBytes(settings(5000, 4)));
  });

  it('`npm run worker` with too little heap for its settings stops at start, naming them, before it claims anything', () => {
    const r = spawnSync('npm', ['run', '--silent', 'worker'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, WORKER_HEAP_MB: '64', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', DELIVERY_BATCH_SIZE: '5000', DELIVERY_PASSES_IN_FLIGHT: '4' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('invalid configuration: DELIVERY_BATCH_SIZE × DELIVERY_PASSES_IN_FLIGHT: 5000 × 4 = 20000 rows');
    expect(r.stderr).toContain('WORKER_HEAP_MB');
  }, 60_000);
});
