// The crash drill: worker processes drain a planned ledger into the provider fakes while being SIGKILLed at random moments.
// Used by bench/crash.ts (100,000 notices, five kills) and tests/delivery/crash.test.ts (a few thousand, two kills).
import { checkInvariant, type InvariantReport } from '../src/delivery/service.js';
import { createApp } from '../src/app.js';
import { issueKey } from '../src/api-keys/service.js';
import { loadConfig } from '../src/config.js';
import { readTextTree } from '../src/lib/assets.node.js';
import { systemClock } from '../src/lib/clock.js';
import { createLogger } from '../src/lib/logger.js';
import { createNoticeRenderer } from '../src/notices/render.js';
import { createDraftRenderer } from '../src/obligations/draft.js';
import { loadRunbooks } from '../src/runbooks/parse.js';
import { seededRandom } from '../tests/fakes/fault-injection.js';
import { startFakeSendgrid } from '../tests/fakes/sendgrid.js';
import { startFakeTwilio } from '../tests/fakes/twilio.js';
import { providerEnvFor } from '../tests/fakes/env.js';
import { planRun, remaining, scratchDatabase, sleep, startWorker, type WorkerProcess } from './delivery-fixture.js';

export interface CrashOptions {
  /** A PostgreSQL URL; a scratch database is created beside it and dropped afterwards. */
  databaseUrl: string;
  email: number;
  sms: number;
  kills: number;
  /** Worker processes running at once; each kill takes one of them down and starts a replacement. */
  workers: number;
  batchSize: number;
  leaseMs: number;
  seed: number;
  /** Gives up (and fails) when the ledger has not drained by then. */
  timeoutMs: number;
  log?: (line: string) => void;
  /** `none`: the email account has no Email Activity look-up (the fake answers 404). Default `available`. */
  emailActivity?: 'available' | 'none';
  /** DELIVERY_UNKNOWN_OUTCOME for the workers; default `resend`. */
  unknownOutcome?: 'resend' | 'hold';
  /** DELIVERY_UNKNOWN_GRACE_MS for the workers; default 1000. */
  unknownGraceMs?: number;
  /** People greeted by name (as real notices do); default false. */
  named?: boolean;
  /** How late the fakes answer: ms (`'200'`) or a uniform range (`'100-300'`); default at once. */
  latency?: string;
}

export interface KillRecord {
  /** Milliseconds since the workers were first started. */
  atMs: number;
  pid: number;
  /** Rows the killed process had claimed and not settled (state `sending`, its lease). */
  inFlight: number;
  /** Messages the fakes received more than once for those rows. */
  duplicates: number;
}

export interface CrashReport {
  planned: number;
  kills: KillRecord[];
  /** Extra copies the fakes received, over all delivery ids. */
  duplicates: number;
  /** Extra copies for ids that were not in flight at any kill: there should be none. */
  unexplainedDuplicates: number;
  /** Rows the ledger calls accepted that no fake ever received. */
  acceptedButNeverSent: number;
  sent: { email: number; sms: number };
  /** Ledger rows no provider fake ever received: people never told. */
  untold: number;
  /** Email Activity requests the email fake answered or refused (404 without the add-on). */
  activityRequests: number;
  /** With `hold`: the rows held as unknown when the workers had nothing left, as the check route listed them, and how each was settled through the route. */
  held: { listedByCheck: number; unknown: number; markedSent: number; resent: number; settleStatuses: number[] } | null;
  /** How interrupted attempts were settled, from the proof table. */
  unconfirmed: Record<string, number>;
  invariant: InvariantReport;
  states: Record<string, number>;
  elapsedMs: number;
  ok: boolean;
  problems: string[];
}

export async function runCrash(o: CrashOptions): Promise<CrashReport> {
  const log = o.log ?? (() => {});
  const random = seededRandom(o.seed);
  const db = await scratchDatabase(o.databaseUrl, 'bk_crash');
  const sg = await startFakeSendgrid({ activity: o.emailActivity ?? 'available', latency: o.latency });
  const tw = await startFakeTwilio({ latency: o.latency });
  const live = new Set<WorkerProcess>();
  try {
    const run = await planRun(db.sql, { tag: 'crash', email: o.email, sms: o.sms, named: o.named ?? false });
    log(`planned ${run.planned.toLocaleString('en')} notices (${o.email.toLocaleString('en')} email, ${o.sms.toLocaleString('en')} SMS)`);

    const env = {
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '4',
      ...providerEnvFor(sg, tw),
      DELIVERY_BATCH_SIZE: String(o.batchSize),
      DELIVERY_LEASE_MS: String(o.leaseMs),
      EMAIL_RATE_PER_SECOND: '1000000',
      SMS_SEGMENTS_PER_SECOND: '1000000',
      DELIVERY_UNKNOWN_OUTCOME: o.unknownOutcome ?? 'resend',
      DELIVERY_UNKNOWN_GRACE_MS: String(o.unknownGraceMs ?? 1000),
      LOG_LEVEL: 'warn',
    };
    const start = () => {
      const w = startWorker(env, 'src/worker-node.ts', '"level":');
      live.add(w);
      return w;
    };
    const t0 = performance.now();
    for (let i = 0; i < o.workers; i++) start();

    // Kill points: random shares of the ledger settled, spread over its middle, each with a random delay on top.
    const thresholds = Array.from({ length: o.kills }, (_, i) => Math.floor(run.planned * (0.08 + (0.84 * (i + random())) / o.kills))).sort((a, b) => a - b);
    const kills: KillRecord[] = [];
    const inFlightIds: Set<string>[] = [];
    const deadline = t0 + o.timeoutMs;
    while (performance.now() < deadline) {
      const left = await remaining(db.sql, run.runId);
      if (left === 0) break;
      const next = thresholds[kills.length];
      if (next !== undefined && run.planned - left >= next) {
        await sleep(Math.floor(random() * 250));
        // A random worker among those holding claimed rows at this moment (any worker when none does).
        const busy = new Set((await db.sql<{ owner: string }[]>`select distinct lease_owner as owner from deliveries where state = 'sending'`).map((r) => r.owner));
        const holding = [...live].filter((w) => busy.has(`worker-${w.pid}`));
        const victims = holding.length > 0 ? holding : [...live];
        const victim = victims[Math.floor(random() * victims.length)]!;
        victim.child.kill('SIGKILL');
        await victim.exited;
        live.delete(victim);
        const rows = await db.sql<{ id: string }[]>`select id::text as id from deliveries where state = 'sending' and lease_owner = ${`worker-${victim.pid}`}`;
        inFlightIds.push(new Set(rows.map((r) => r.id)));
        kills.push({ atMs: Math.round(performance.now() - t0), pid: victim.pid, inFlight: rows.length, duplicates: 0 });
        log(`kill ${kills.length}: pid ${victim.pid} at ${((performance.now() - t0) / 1000).toFixed(1)} s, ${rows.length} in flight, ${(run.planned - left).toLocaleString('en')} settled`);
        start();
      }
      await sleep(20);
    }
    // Held rows (the `hold` rule) wait for a person: listed by the check route, settled through the settle route
    // as the provider's records show (received → marked sent with the reason; never received → sent again).
    let held: CrashReport['held'] = null;
    if ((o.unknownOutcome ?? 'resend') === 'hold') {
      const app = await settlingApp(db.sql);
      type Check = InvariantReport & { unknown_deliveries: { delivery_id: string }[] };
      const read = async () => (await (await app.request(`/v1/incidents/${run.incidentId}/deliveries/check`, { headers: app.auth })).json()) as Check;
      let check = await read();
      const seen = new Map<string, number>([...sg.correlationCounts, ...tw.correlationCounts]);
      held = { listedByCheck: 0, unknown: check.unknown, markedSent: 0, resent: 0, settleStatuses: [] };
      log(`held as unknown: ${check.unknown} people`);
      // The check lists the first 100 held rows; each settled one leaves the list, so it is read again until empty.
      while (check.unknown_deliveries.length > 0 && held.settleStatuses.length < 100_000) {
        held.listedByCheck += check.unknown_deliveries.length;
        for (const u of check.unknown_deliveries) {
          const received = seen.has(u.delivery_id);
          const body = received ? { action: 'mark_sent', reason: 'listed as accepted in the provider activity' } : { action: 'resend', reason: 'not in the provider activity' };
          const res = await app.request(`/v1/incidents/${run.incidentId}/deliveries/unknown/${u.delivery_id}`, { method: 'POST', headers: { ...app.auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
          held.settleStatuses.push(res.status);
          if (received) held.markedSent++;
          else held.resent++;
        }
        check = await read();
      }
      while (performance.now() < deadline && (await remaining(db.sql, run.runId)) > 0) await sleep(50);
    }

    const elapsedMs = Math.round(performance.now() - t0);
    for (const w of live) w.child.kill('SIGTERM');
    await Promise.all([...live].map((w) => w.exited));
    live.clear();

    // Every id the fakes saw more than once is a duplicate; it should belong to a row in flight at some kill.
    const counts = new Map<string, number>([...sg.correlationCounts, ...tw.correlationCounts]);
    let duplicates = 0;
    let unexplainedDuplicates = 0;
    for (const [id, n] of counts) {
      if (n < 2) continue;
      duplicates += n - 1;
      const k = inFlightIds.findIndex((s) => s.has(id));
      if (k === -1) unexplainedDuplicates += n - 1;
      else kills[k]!.duplicates += n - 1;
    }
    const accepted = await db.sql<{ id: string }[]>`select id::text as id from deliveries where run_id = ${run.runId} and state = 'accepted'`;
    const acceptedButNeverSent = accepted.filter((r) => !counts.has(r.id)).length;
    const states = Object.fromEntries((await db.sql<{ state: string; n: number }[]>`select state, count(*)::int as n from deliveries where run_id = ${run.runId} group by state`).map((r) => [r.state, r.n]));
    const invariant = await checkInvariant(db.sql, run.incidentId, new Date());
    const everyRow = await db.sql<{ id: string }[]>`select id::text as id from deliveries where run_id = ${run.runId}`;
    const untold = everyRow.filter((r) => !counts.has(r.id)).length;
    const unconfirmed = Object.fromEntries(
      (await db.sql<{ resolution: string; n: number }[]>`select resolution, count(*)::int as n from delivery_unconfirmed_attempts group by resolution`).map((r) => [r.resolution, r.n]),
    );

    const problems: string[] = [];
    if (performance.now() >= deadline) problems.push(`the ledger did not drain within ${o.timeoutMs} ms`);
    if (!invariant.ok) problems.push(`invariant failed: ${JSON.stringify(invariant)}`);
    if (kills.length < o.kills) problems.push(`only ${kills.length} of ${o.kills} kills happened before the ledger drained`);
    if (unexplainedDuplicates > 0) problems.push(`${unexplainedDuplicates} duplicates of rows that were not in flight at any kill`);
    kills.forEach((k, i) => {
      if (k.duplicates > k.inFlight) problems.push(`kill ${i + 1}: ${k.duplicates} duplicates exceed the ${k.inFlight} in flight`);
    });
    if (acceptedButNeverSent > 0) problems.push(`${acceptedButNeverSent} rows recorded as accepted that no provider received`);
    if (untold > 0) problems.push(`${untold} people never told`);
    if (held && held.listedByCheck !== held.unknown) problems.push(`the check route listed ${held.listedByCheck} held rows of ${held.unknown}`);
    if (held && held.settleStatuses.some((s) => s !== 200)) problems.push(`settling a held row answered ${held.settleStatuses.filter((s) => s !== 200).join(', ')}`);
    return {
      planned: run.planned,
      kills,
      duplicates,
      unexplainedDuplicates,
      acceptedButNeverSent,
      sent: { email: sg.stats.acceptedPersonalizations, sms: tw.stats.messagesCreated },
      untold,
      activityRequests: sg.stats.activityRequests,
      held,
      unconfirmed,
      invariant,
      states,
      elapsedMs,
      ok: problems.length === 0,
      problems,
    };
  } finally {
    for (const w of live) w.child.kill('SIGKILL');
    await Promise.all([...live].map((w) => w.exited));
    await sg.close();
    await tw.close();
    await db.drop();
  }
}

/** The real app over the drill's database, with a responder's key: held rows are settled through its routes. */
async function settlingApp(sql: Parameters<typeof checkInvariant>[0]): Promise<{ request: (path: string, init?: RequestInit) => Response | Promise<Response>; auth: Record<string, string> }> {
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const app = createApp({
    config,
    logger: createLogger('silent'),
    clock: systemClock,
    database: () => sql,
    renderer: createNoticeRenderer(readTextTree('templates'), { smsMaxParts: config.SMS_MAX_PARTS }),
    runbooks: loadRunbooks(readTextTree('runbooks')),
    drafts: createDraftRenderer(readTextTree('templates')),
    copy: true,
  });
  const { token } = await issueKey(sql, { name: 'crash drill responder', role: 'responder', createdBy: null, now: new Date() });
  return { request: (path, init) => app.request(path, init), auth: { authorization: `Bearer ${token}` } };
}
