import { expect, it, describe } from 'vitest';
import { runCrash, type CrashReport } from '../../bench/crash-run.js';
import { testDatabaseUrl } from '../helpers/db.js';

const print = (name: string, r: CrashReport) =>
  console.log(
    `${name}: planned ${r.planned}; kills ${r.kills.map((k) => `${k.inFlight} in flight → ${k.duplicates} duplicates`).join(', ')}; ` +
      `untold ${r.untold}; duplicates ${r.duplicates}; Email Activity requests ${r.activityRequests}; unconfirmed attempts ${JSON.stringify(r.unconfirmed)}; ` +
      `held ${r.held ? `${r.held.unknown} (listed ${r.held.listedByCheck}; settled through the route: ${r.held.markedSent} marked sent, ${r.held.resent} resent; statuses ${[...new Set(r.held.settleStatuses)].join(',')})` : '-'}; states ${JSON.stringify(r.states)}`,
  );

// The crash drill of bench/crash.ts, scaled down: real worker processes on PostgreSQL, SIGKILLed while emails and SMS are
// in flight, with an email account that has no Email Activity look-up (the fake answers 404, as SendGrid does without the add-on).
describe.runIf(testDatabaseUrl)('worker processes killed mid-send [postgres]', () => {
  const base = { databaseUrl: testDatabaseUrl!, email: 1200, sms: 800, kills: 2, workers: 2, batchSize: 100, leaseMs: 1500, unknownGraceMs: 1000, timeoutMs: 100_000, emailActivity: 'none' as const };

  it('resend: nobody untold, and sends again at most what was in flight at each kill', async () => {
    const report = await runCrash({ ...base, seed: 11, unknownOutcome: 'resend' });
    print('resend', report);
    expect(report.problems).toEqual([]);
    expect(report.kills).toHaveLength(2);
    expect(report.untold).toBe(0);
    expect(report.invariant).toMatchObject({ ok: true, people: 2000, reached: 2000, in_flight: 0, unknown: 0, stuck_sending: 0 });
    expect(report.states).toEqual({ accepted: 2000 });
    expect(report.unexplainedDuplicates).toBe(0);
    for (const k of report.kills) expect(k.duplicates).toBeLessThanOrEqual(k.inFlight);
    expect(report.acceptedButNeverSent).toBe(0);
    expect(report.sent.email + report.sent.sms).toBe(2000 + report.duplicates);
    // The look-up the account lacks was asked about once per worker process at most, then remembered.
    expect(report.activityRequests).toBeLessThanOrEqual(base.workers + base.kills);
  }, 150_000);

  it('hold: the unknown rows are listed by the check route and settled through the route; then nobody is untold', async () => {
    const report = await runCrash({ ...base, seed: 23, unknownOutcome: 'hold' });
    print('hold', report);
    expect(report.problems).toEqual([]);
    expect(report.held).not.toBeNull();
    const inFlightEmails = report.kills.reduce((n, k) => n + k.inFlight, 0);
    expect(report.held!.unknown).toBeLessThanOrEqual(inFlightEmails);
    expect(report.held!.listedByCheck).toBe(report.held!.unknown);
    expect(report.held!.settleStatuses.every((s) => s === 200)).toBe(true);
    expect(report.untold).toBe(0);
    expect(report.unexplainedDuplicates).toBe(0);
    expect(report.invariant).toMatchObject({ ok: true, people: 2000, reached: 2000, in_flight: 0, unknown: 0, stuck_sending: 0 });
  }, 150_000);
});
