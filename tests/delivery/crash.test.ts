import { expect, it, describe } from 'vitest';
import { runCrash } from '../../bench/crash-run.js';
import { testDatabaseUrl } from '../helpers/db.js';

// The crash drill of bench/crash.ts, scaled down: real worker processes on PostgreSQL, SIGKILLed mid-send.
describe.runIf(testDatabaseUrl)('worker processes killed mid-send [postgres]', () => {
  it('lose no notice and send again at most what was in flight at each kill', async () => {
    const report = await runCrash({ databaseUrl: testDatabaseUrl!, email: 1200, sms: 800, kills: 2, workers: 2, batchSize: 100, leaseMs: 1500, seed: 11, timeoutMs: 50_000 });
    expect(report.problems).toEqual([]);
    expect(report.kills).toHaveLength(2);
    expect(report.invariant).toMatchObject({ ok: true, people: 2000, reached: 2000, in_flight: 0, stuck_sending: 0 });
    expect(report.states).toEqual({ accepted: 2000 });
    expect(report.unexplainedDuplicates).toBe(0);
    for (const k of report.kills) expect(k.duplicates).toBeLessThanOrEqual(k.inFlight);
    expect(report.acceptedButNeverSent).toBe(0);
    expect(report.sent.email + report.sent.sms).toBe(2000 + report.duplicates);
  }, 60_000);
});
