// bench/crash: worker processes drain 100,000 notices into the provider fakes while one is SIGKILLed five times;
// checks the no-lost-notice invariant and that duplicates never exceed what was in flight at each kill.
// Usage: TEST_DATABASE_URL=postgres://… npm run bench:crash   (CRASH_EMAIL, CRASH_SMS, CRASH_KILLS, CRASH_WORKERS,
// CRASH_BATCH, CRASH_LEASE_MS, CRASH_SEED tune it; CRASH_EMAIL_ACTIVITY=none|available says whether the email account has
// SendGrid's Email Activity look-up, CRASH_UNKNOWN_OUTCOME=resend|hold and CRASH_UNKNOWN_GRACE_MS set the rule for unknown outcomes;
// people are greeted by name unless CRASH_NAMED=0, and the fakes answer after CRASH_LATENCY ms, fixed or a range: '200' (default), '100-300')
import { runCrash } from './crash-run.js';

const databaseUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('bench/crash needs PostgreSQL: set TEST_DATABASE_URL');
  process.exit(2);
}
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const options = {
  databaseUrl,
  email: env('CRASH_EMAIL', 60_000),
  sms: env('CRASH_SMS', 40_000),
  kills: env('CRASH_KILLS', 5),
  workers: env('CRASH_WORKERS', 2),
  batchSize: env('CRASH_BATCH', 500),
  leaseMs: env('CRASH_LEASE_MS', 5000),
  seed: env('CRASH_SEED', Date.now() % 100_000),
  timeoutMs: env('CRASH_TIMEOUT_MS', 15 * 60_000),
  emailActivity: (process.env.CRASH_EMAIL_ACTIVITY === 'available' ? 'available' : 'none') as 'available' | 'none',
  unknownOutcome: (process.env.CRASH_UNKNOWN_OUTCOME === 'hold' ? 'hold' : 'resend') as 'resend' | 'hold',
  unknownGraceMs: env('CRASH_UNKNOWN_GRACE_MS', 2000),
  named: process.env.CRASH_NAMED !== '0',
  latency: process.env.CRASH_LATENCY ?? '200',
};
console.log(
  `bench/crash — ${options.workers} worker process(es), batch ${options.batchSize}, lease ${options.leaseMs} ms, seed ${options.seed}, ` +
    `email look-up ${options.emailActivity}, unknown outcomes: ${options.unknownOutcome} after ${options.unknownGraceMs} ms, ${options.named ? 'named' : 'unnamed'} recipients, ` +
    `fakes answering in ${options.latency} ms, node ${process.version}`,
);
const r = await runCrash({ ...options, log: (line) => console.log(`  ${line}`) });

console.log('\nkill  at s    pid      in flight  duplicates');
r.kills.forEach((k, i) => console.log(`${String(i + 1).padStart(4)}  ${(k.atMs / 1000).toFixed(1).padStart(5)}  ${String(k.pid).padEnd(8)} ${String(k.inFlight).padStart(9)}  ${String(k.duplicates).padStart(10)}`));
const n = (v: number) => v.toLocaleString('en');
console.log(`\nplanned ${n(r.planned)}; received by the fakes: ${n(r.sent.email)} email, ${n(r.sent.sms)} SMS`);
console.log(`ledger states: ${Object.entries(r.states).map(([s, c]) => `${s} ${n(c)}`).join(', ')}`);
console.log(`duplicates ${r.duplicates} (in flight at the kills: ${r.kills.reduce((s, k) => s + k.inFlight, 0)}), not explained by a kill ${r.unexplainedDuplicates}, accepted but never received ${r.acceptedButNeverSent}`);
console.log(`people never told ${r.untold}; Email Activity requests ${r.activityRequests}; interrupted attempts settled: ${JSON.stringify(r.unconfirmed)}`);
if (r.held) console.log(`held as unknown ${r.held.unknown}, listed by the check route ${r.held.listedByCheck}; settled through the route: ${r.held.markedSent} marked sent, ${r.held.resent} sent again`);
console.log(`invariant: ${r.invariant.ok ? 'holds' : 'FAILS'} — ${JSON.stringify({ ...r.invariant, unknown_deliveries: r.invariant.unknown_deliveries.length })}`);
console.log(`elapsed ${(r.elapsedMs / 1000).toFixed(1)} s from the first worker start to an empty queue (${n(Math.round(r.planned / (r.elapsedMs / 1000)))} notices/s with the kills)`);
if (!r.ok) {
  console.log(`\nFAILED:\n  ${r.problems.join('\n  ')}`);
  process.exit(1);
}
console.log('\nOK');
