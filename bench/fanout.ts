// bench/fanout: breachkit's worker processes send 1,000,000 emails to people greeted by name and, as the baseline in
// the same run, as many to unnamed people, then 200,000 SMS, to provider fakes that answer as real providers do
// (200 ms by default); the same sends then go through pg-boss (one job per notice, fetched in batches, same provider
// code); last, a paced SMS phase. Prints notices/s per channel, SendGrid requests per 1000 named people, peak RSS of
// the worker processes, the breachkit/pg-boss ratio and the paced rate.
// Usage: TEST_DATABASE_URL=postgres://… npm run bench:fanout   (FANOUT_EMAIL, FANOUT_SMS, FANOUT_PACED_SMS,
// FANOUT_SMS_RATE, FANOUT_WORKERS, FANOUT_BATCH (2000), FANOUT_PASSES (passes in flight per worker, 4), FANOUT_IN_FLIGHT
// (Twilio requests in flight per worker, shared by its passes: 500), FANOUT_SENDGRID_IN_FLIGHT (SendGrid requests in flight per pass),
// FANOUT_LATENCY (how late the fakes answer: ms, '200', or a uniform range, '100-300'; '0' at once) tune it;
// FANOUT_PGBOSS=0 skips the comparison, FANOUT_PGBOSS_TIMEOUT_S (1800) bounds each pg-boss
// phase, whose rate is then what it sent in that time). Both queues get the same workers, passes and requests in
// flight. Each phase prints its progress every FANOUT_PROGRESS_S seconds (10).
import http from 'node:http';
import PgBoss from 'pg-boss';
import type { Sql } from '../src/db/client.js';
import { startFakeSendgrid } from '../tests/fakes/sendgrid.js';
import { startFakeTwilio } from '../tests/fakes/twilio.js';
import { providerEnvFor } from '../tests/fakes/env.js';
import { benchRenderer, drained, planRun, scratchDatabase, sleep, startWorker, type PlannedRun, type WorkerProcess } from './delivery-fixture.js';
import type { NoticeJob } from './fanout-pgboss-worker.js';

const databaseUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('bench/fanout needs PostgreSQL: set TEST_DATABASE_URL');
  process.exit(2);
}
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const emailCount = num('FANOUT_EMAIL', 1_000_000);
const smsCount = num('FANOUT_SMS', 200_000);
const pacedCount = num('FANOUT_PACED_SMS', 20_000);
const smsRate = num('FANOUT_SMS_RATE', 500);
const workers = num('FANOUT_WORKERS', 2);
const batch = num('FANOUT_BATCH', 2000);
const passes = num('FANOUT_PASSES', 4);
const inFlight = num('FANOUT_IN_FLIGHT', 500);
const sendgridInFlight = num('FANOUT_SENDGRID_IN_FLIGHT', 8);
const latency = process.env.FANOUT_LATENCY ?? '200';
const progressEvery = num('FANOUT_PROGRESS_S', 10) * 1000;
const withPgBoss = process.env.FANOUT_PGBOSS !== '0';
const pgBossTimeoutS = num('FANOUT_PGBOSS_TIMEOUT_S', 1800);
const n = (v: number) => Math.round(v).toLocaleString('en');
const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;

const db = await scratchDatabase(databaseUrl, 'bk_fanout');
// Counts only: the fakes still parse and validate every request, but keep no message bodies.
const sg = await startFakeSendgrid({ record: 'counts', latency });
const tw = await startFakeTwilio({ record: 'counts', latency });
const providerEnv = providerEnvFor(sg, tw);

interface Phase {
  label: string;
  count: number;
  seconds: number;
  peakRss: number;
  /** Setup before sending: planning the ledger, or enqueueing the jobs. */
  setupSeconds: number;
  /** SendGrid requests the phase made. */
  sendgridRequests?: number;
}

/**
 * Starts the processes, waits until all have said they are ready, then times until `isDone`. The done check
 * (a query) runs every 2 s until the fakes have received `expected` messages, then every 100 ms, so the
 * polling costs either queue little; with `timeoutS` the phase stops there and reports what it got through.
 */
async function timedDrain(
  label: string,
  start: () => WorkerProcess[],
  isDone: () => Promise<boolean>,
  expected: number,
  timeoutS = Infinity,
): Promise<{ seconds: number; peakRss: number; received: number; timedOut: boolean }> {
  const procs = start();
  await Promise.race([Promise.all(procs.map((p) => p.ready)), ...procs.map((p) => p.exited.then((code) => Promise.reject(new Error(`a worker exited early (${code}):\n${p.output()}`))))]);
  const t0 = performance.now();
  const received = () => sg.stats.acceptedPersonalizations + tw.stats.messagesCreated;
  const received0 = received();
  let lastReport = t0;
  let lastReceived = received0;
  let lastCheck = t0;
  let timedOut = false;
  for (;;) {
    await sleep(100);
    const now = performance.now();
    if (received() - received0 >= expected || now - lastCheck >= 2000) {
      lastCheck = now;
      if (await isDone()) break;
    }
    if (now - t0 >= timeoutS * 1000) {
      timedOut = true;
      break;
    }
    if (now - lastReport >= progressEvery) {
      const got = received();
      console.log(`    ${label}: ${((now - t0) / 1000).toFixed(0)} s, ${n(got - received0)} received by the fakes, ${n(((got - lastReceived) * 1000) / (now - lastReport))}/s lately`);
      lastReport = now;
      lastReceived = got;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const peaks = await Promise.all(procs.map((p) => p.peakRss()));
  const got = received() - received0;
  for (const p of procs) p.child.kill('SIGTERM');
  await Promise.all(procs.map((p) => p.exited));
  return { seconds, peakRss: Math.max(...peaks), received: got, timedOut };
}

function breachkitWorkers(count: number, extra: Record<string, string>): () => WorkerProcess[] {
  const env = {
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '4',
    DELIVERY_BATCH_SIZE: String(batch),
    DELIVERY_PASSES_IN_FLIGHT: String(passes),
    TWILIO_MAX_IN_FLIGHT: String(inFlight),
    SENDGRID_MAX_IN_FLIGHT: String(sendgridInFlight),
    EMAIL_RATE_PER_SECOND: '1000000',
    SMS_SEGMENTS_PER_SECOND: '1000000',
    ...providerEnv,
    ...extra,
  };
  return () => Array.from({ length: count }, () => startWorker(env));
}

async function breachkitPhase(label: string, people: { email: number; sms: number; named: boolean }, tag: string, count = workers, extra: Record<string, string> = {}): Promise<Phase & { run: PlannedRun }> {
  const run = await planRun(db.sql, { tag, ...people });
  console.log(`  ${label}: planned ${n(run.planned)} in ${(run.planMs / 1000).toFixed(1)} s`);
  const requests0 = sg.stats.acceptedRequests;
  const r = await timedDrain(label, breachkitWorkers(count, extra), () => drained(db.sql), run.planned);
  console.log(`  ${label}: sent in ${r.seconds.toFixed(1)} s`);
  return { label, count: run.planned, seconds: r.seconds, peakRss: r.peakRss, setupSeconds: run.planMs / 1000, run, sendgridRequests: sg.stats.acceptedRequests - requests0 };
}

/** One pg-boss job per person of the snapshot, inserted in chunks as a pg-boss user would. */
async function enqueue(sql: Sql, boss: PgBoss, queue: string, run: PlannedRun, channel: 'email' | 'sms'): Promise<number> {
  let inserted = 0;
  const cursor = sql<{ email: string | null; phone: string | null; locale: string | null; recipient_name: string | null }[]>`
    select email, phone, locale, recipient_name from affected_people where snapshot_id = ${run.snapshotId} order by external_id`.cursor(5000);
  for await (const rows of cursor) {
    const jobs: PgBoss.JobInsert<NoticeJob>[] = rows.map((r) => ({ name: queue, data: { to: (channel === 'email' ? r.email : r.phone)!, locale: r.locale, name: r.recipient_name } }));
    await boss.insert(jobs);
    inserted += jobs.length;
  }
  return inserted;
}

async function pgBossPhase(label: string, boss: PgBoss, run: PlannedRun, channel: 'email' | 'sms'): Promise<Phase> {
  const queue = `notices-${channel}`;
  await boss.createQueue(queue);
  const t0 = performance.now();
  const count = await enqueue(db.sql, boss, queue, run, channel);
  // Statistics as autovacuum would give them on a server where it runs (breachkit's plan refreshes its own):
  // without them the planner can take a large queue for a small one.
  await db.sql`analyze pgboss.job`;
  const setupSeconds = (performance.now() - t0) / 1000;
  console.log(`  ${label}: enqueued ${n(count)} jobs and analyzed in ${setupSeconds.toFixed(1)} s`);
  const env = { DATABASE_URL: db.url, QUEUE: queue, CHANNEL: channel, BATCH: String(batch), PASSES: String(passes), TWILIO_MAX_IN_FLIGHT: String(inFlight), NOTICE_VERSION_ID: run.noticeVersionId, ...providerEnv };
  const start = () => Array.from({ length: workers }, () => startWorker(env, 'bench/fanout-pgboss-worker.ts', 'pg-boss worker started'));
  const r = await timedDrain(
    label,
    start,
    async () => {
      // exists, not count(*): a count over a million jobs every poll would take CPU from the queue measured.
      const [row] = await db.sql<{ busy: boolean }[]>`select exists (select 1 from pgboss.job where name = ${queue} and state < 'completed') as busy`;
      return !row!.busy;
    },
    count,
    pgBossTimeoutS,
  );
  if (r.timedOut) {
    console.log(`  ${label}: stopped at the ${pgBossTimeoutS} s limit with ${n(r.received)} of ${n(count)} sent; its rate is what it sent in that time`);
    return { label: `${label}*`, count: r.received, seconds: r.seconds, peakRss: r.peakRss, setupSeconds };
  }
  console.log(`  ${label}: sent in ${r.seconds.toFixed(1)} s`);
  return { label, count, seconds: r.seconds, peakRss: r.peakRss, setupSeconds };
}

/**
 * The fakes' own ceiling on this machine at this moment: a bare client (no database, no rendering) keeping as
 * many requests in flight as the workers do, for `seconds`; SMS per second, or email people per second at 1000
 * a request. What the workers reach can be read against it.
 */
async function fakeCeiling(kind: 'sms' | 'email', concurrency: number, seconds: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let requests = 0;
  let seq = 0;
  const target =
    kind === 'sms'
      ? { url: `${tw.url}/2010-04-01/Accounts/${tw.accountSid}/Messages.json`, headers: { authorization: `Basic ${btoa(`${tw.accountSid}:${tw.authToken}`)}`, 'content-type': 'application/x-www-form-urlencoded' } }
      : { url: `${sg.url}v3/mail/send`, headers: { authorization: `Bearer ${sg.apiKey}`, 'content-type': 'application/json' } };
  const body = () => {
    const k = ++seq;
    if (kind === 'sms') return new URLSearchParams({ To: '+8613800000000', From: '+15005550006', Body: 'ceiling', StatusCallback: `https://breachkit.example/webhooks/twilio?delivery_id=ceiling-${k}` }).toString();
    return JSON.stringify({
      from: { email: 'notices@example.com' },
      subject: 'ceiling',
      content: [{ type: 'text/plain', value: 'ceiling' }],
      personalizations: Array.from({ length: 1000 }, (_, i) => ({ to: [{ email: `c${k}.${i}@example.com` }], custom_args: { delivery_id: `ceiling-${k}-${i}` } })),
    });
  };
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(target.url, { method: 'POST', agent, headers: target.headers }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body());
    });
  const until = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        // A refused or reset connection (too many at once for the machine) is not counted, and not fatal.
        if (await post().then(() => true, () => false)) requests++;
      }
    }),
  );
  agent.destroy();
  return ((kind === 'sms' ? requests : requests * 1000) * 1000) / (performance.now() - t0);
}

console.log(
  `bench/fanout — ${workers} worker processes, batches of ${batch}, ${passes} passes in flight per worker, ${inFlight} Twilio requests in flight per worker (shared by its passes), ${sendgridInFlight} SendGrid requests per pass, ` +
    `fakes answering in ${sg.latency}, node ${process.version}, ${n(emailCount)} email (named, and unnamed as the baseline), ${n(smsCount)} SMS, ${n(pacedCount)} paced SMS`,
);
const phases: Phase[] = [];
let paced: { seconds: number; segments: number; count: number; atProvider: number | null; spanSeconds: number } | null = null;
try {
  const unnamed = await breachkitPhase('email unnamed', { email: emailCount, sms: 0, named: false }, 'email-unnamed');
  phases.push(unnamed);
  const email = await breachkitPhase('breachkit email', { email: emailCount, sms: 0, named: true }, 'email');
  phases.push(email);
  const sms = await breachkitPhase('breachkit SMS', { email: 0, sms: smsCount, named: true }, 'sms');
  phases.push(sms);
  const sentByBreachkit = { email: sg.stats.acceptedPersonalizations, sms: tw.stats.messagesCreated };

  if (withPgBoss) {
    const boss = new PgBoss({ connectionString: db.url });
    boss.on('error', (err) => console.error(err));
    await boss.start();
    phases.push(await pgBossPhase('pg-boss email', boss, email.run, 'email'));
    phases.push(await pgBossPhase('pg-boss SMS', boss, sms.run, 'sms'));
    await boss.stop({ graceful: false, wait: true });
  }

  if (pacedCount > 0) {
    // All the worker processes at once: the limit is shared by them, not given to each.
    const run = await planRun(db.sql, { tag: 'paced', email: 0, sms: pacedCount, named: true });
    const sent0 = tw.stats.messagesCreated;
    const segments0 = tw.stats.segmentsCreated;
    tw.stats.firstMessageArrivedAt = tw.stats.lastMessageArrivedAt = null;
    const r = await timedDrain('paced SMS', breachkitWorkers(workers, { SMS_SEGMENTS_PER_SECOND: String(smsRate) }), () => drained(db.sql), run.planned);
    const renderer = benchRenderer();
    const [facts] = await db.sql<{ content: never; title: string; discovered_at: Date }[]>`
      select n.content, i.title, i.discovered_at from notice_versions n join incidents i on i.id = n.incident_id where n.id = ${run.noticeVersionId}`;
    const parts = (locale: string) =>
      renderer.render({ channel: 'sms', locale, content: facts!.content, recipient: { name: null, isGuardian: false, locale }, links: { publicNotice: 'https://breachkit.example/status' }, incident: { title: facts!.title, discoveredAt: facts!.discovered_at } }).sms!.parts;
    const locales = await db.sql<{ locale: string; n: number }[]>`select locale, count(*)::int as n from deliveries where run_id = ${run.runId} group by locale`;
    const segments = locales.reduce((s, l) => s + l.n * parts(l.locale), 0);
    const { firstMessageArrivedAt: first, lastMessageArrivedAt: last } = tw.stats;
    const atProvider = first !== null && last !== null && last > first ? (tw.stats.segmentsCreated - segments0 - tw.stats.firstMessageSegments) / ((last - first) / 1000) : null;
    paced = { seconds: r.seconds, segments, count: tw.stats.messagesCreated - sent0, atProvider, spanSeconds: first !== null && last !== null ? (last - first) / 1000 : 0 };
  }

  const dup = sg.duplicates().length + tw.duplicates().length;
  console.log(`\nphase              notices     setup s   send s   notices/s   peak RSS (largest worker)`);
  for (const p of phases) console.log(`${p.label.padEnd(16)} ${n(p.count).padStart(10)} ${p.setupSeconds.toFixed(1).padStart(10)} ${p.seconds.toFixed(1).padStart(8)} ${n(p.count / p.seconds).padStart(11)}   ${mb(p.peakRss)}`);
  if (phases.some((p) => p.label.endsWith('*'))) console.log(`* stopped at the ${pgBossTimeoutS} s limit (FANOUT_PGBOSS_TIMEOUT_S): notices sent in that time`);
  const rate = (label: string) => {
    const p = phases.find((x) => x.label === label || x.label === `${label}*`);
    return p ? p.count / p.seconds : NaN;
  };
  console.log(`\nfakes received: breachkit ${n(sentByBreachkit.email)} email, ${n(sentByBreachkit.sms)} SMS; in all ${n(sg.stats.acceptedPersonalizations)} email in ${n(sg.stats.acceptedRequests)} requests, ${n(tw.stats.messagesCreated)} SMS; ids received twice: ${dup}`);
  console.log(`named / unnamed email: ${(rate('breachkit email') / rate('email unnamed')).toFixed(2)}× (target ≥ 0.8); SendGrid requests: ${n(email.sendgridRequests!)} for ${n(email.count)} named people = ${((email.sendgridRequests! * 1000) / email.count).toFixed(2)} per 1000 (target ≤ 2); unnamed baseline ${n(unnamed.sendgridRequests!)}`);
  console.log(
    `with the fakes answering in ${sg.latency}: email ${n(rate('breachkit email'))}/s (≥ 10,000), SMS ${n(rate('breachkit SMS'))}/s (≥ 2,000); in flight per worker: ${passes} passes, ${inFlight} Twilio requests (shared by the passes), ${sendgridInFlight} SendGrid requests per pass; ` +
      `worker RSS ${mb(Math.max(unnamed.peakRss, email.peakRss, sms.peakRss))} (< 300 MB)`,
  );
  if (withPgBoss)
    console.log(
      `breachkit / pg-boss: email ${(rate('breachkit email') / rate('pg-boss email')).toFixed(2)}×, SMS ${(rate('breachkit SMS') / rate('pg-boss SMS')).toFixed(2)}× ` +
        // With slow fakes both queues wait on the same requests in flight; the queue's own cost shows with FANOUT_LATENCY=0.
        (String(sg.latency) === '0 ms' ? '(target ≥ 3×)' : `(the ≥ 3× target is for FANOUT_LATENCY=0: with the fakes answering in ${sg.latency}, SMS through either queue is bound by the same requests in flight)`),
    );
  if (paced) {
    const achieved = paced.segments / paced.seconds;
    console.log(
      `paced SMS: limit ${smsRate} segments/s shared by ${workers} worker processes, achieved ${achieved.toFixed(1)} segments/s (${(((achieved - smsRate) / smsRate) * 100).toFixed(1)}%), ${(paced.count / paced.seconds).toFixed(1)} messages/s, ${n(paced.count)} messages in ${paced.seconds.toFixed(1)} s`,
    );
    // The figure above runs from the workers' start to the last row recorded, so it carries the start, the
    // fakes' latency on the last request and the finishing writes; the provider sees the pace in between.
    if (paced.atProvider !== null)
      console.log(
        `paced SMS as the provider received it: ${paced.atProvider.toFixed(1)} segments/s (${(((paced.atProvider - smsRate) / smsRate) * 100).toFixed(1)}%, target within 5%) between the first and the last request's arrival, ${paced.spanSeconds.toFixed(2)} s apart`,
      );
  }
  if (process.env.FANOUT_CEILING !== '0') {
    const sms = await fakeCeiling('sms', workers * inFlight, 10);
    const email = await fakeCeiling('email', workers * passes * sendgridInFlight, 10);
    console.log(`the fakes' own ceiling now, from a bare client with the same requests in flight (no database, no rendering): SMS ${n(sms)}/s, email ${n(email)} people/s`);
  }
} finally {
  await sg.close();
  await tw.close();
  await db.drop();
}
