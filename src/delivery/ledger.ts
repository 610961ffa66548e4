// SQL for the delivery ledger: planning from a snapshot, claiming with SKIP LOCKED and a lease, and state changes.
import type { Db } from '../db/client.js';
import type { NextRunPlan, ReachBasis, ReachCounts } from './reach.js';

export const deliveryChannels = ['email', 'sms', 'voice', 'letter', 'inapp'] as const;
import type { InappMode } from '../notices/content.js';
export type DeliveryChannel = (typeof deliveryChannels)[number];
/** Channels that leave outside the worker (letters: print batches or Lob); the worker never claims them. */
export const offlineChannels = ['letter'] as const satisfies readonly DeliveryChannel[];
export type WorkerChannel = Exclude<DeliveryChannel, (typeof offlineChannels)[number]>;
/**
 * The same, as literal SQL over `d.channel`: written out (not a parameter) so the planner can use the
 * claim index, whose predicate leaves those channels out (queued letters would otherwise fill its head).
 */
const workerChannelsOnly = offlineChannels.map((c) => `d.channel <> '${c}'`).join(' and ');
export const deliveryStates = ['queued', 'sending', 'accepted', 'delivered', 'failed', 'bounced', 'undeliverable', 'captured', 'cancelled', 'unknown'] as const;
export type DeliveryState = (typeof deliveryStates)[number];

/** A row in one of these told the person (capture mode counts: the notice exists and is recorded). */
export const reachedStates = ['accepted', 'delivered', 'captured'] as const satisfies readonly DeliveryState[];
/** A row in one of these is still on its way. */
export const pendingStates = ['queued', 'sending'] as const satisfies readonly DeliveryState[];
/** A row in one of these will never reach the person on that channel. */
export const endedStates = ['failed', 'bounced', 'undeliverable', 'cancelled'] as const satisfies readonly DeliveryState[];

/** Later states win: a late `accepted` never overwrites `delivered`. */
export const statePrecedence: Record<DeliveryState, number> = {
  queued: 0,
  sending: 1,
  unknown: 1,
  accepted: 2,
  captured: 3,
  delivered: 4,
  failed: 4,
  bounced: 4,
  undeliverable: 4,
  cancelled: 4,
};

export interface RunRow {
  id: string;
  incident_id: string;
  notice_version_id: string;
  snapshot_id: string;
  status: 'running' | 'paused' | 'cancelled' | 'completed';
  planned: number;
  announcement_only: number;
  created_at: Date;
  created_by: string;
  /** The run's incident is a drill (read with the run; not stored on it). */
  drill?: boolean;
  /** The company's channel order when the run was planned; fallback follows it too. */
  channel_order: string[];
  /** In-app as one channel of the order, or sent in addition to the first one (from the notice version). */
  inapp: InappMode;
}

export interface ClaimedDelivery {
  id: string;
  run_id: string;
  incident_id: string;
  notice_version_id: string;
  external_id: string;
  channel: WorkerChannel;
  attempts: number;
  locale: string | null;
  recipient_name: string | null;
  recipient: 'self' | 'guardian';
  email: string | null;
  phone: string | null;
  /** The incident is a drill: nothing may leave for a provider. */
  drill: boolean;
  /** The child a guardian is told about (a notice per child names them); null when the recipient is the person. */
  subject_name: string | null;
}

/** Without an order or in-app mode, the run takes the defaults (email → SMS → voice → letter; in-app in order). */
export async function insertRun(db: Db, r: Omit<RunRow, 'channel_order' | 'inapp'> & Partial<Pick<RunRow, 'channel_order' | 'inapp'>>): Promise<RunRow> {
  const [row] = await db<RunRow[]>`
    insert into delivery_runs (id, incident_id, notice_version_id, snapshot_id, status, created_at, created_by, channel_order, inapp)
    values (${r.id}, ${r.incident_id}, ${r.notice_version_id}, ${r.snapshot_id}, ${r.status}, ${r.created_at}, ${r.created_by},
      coalesce(${r.channel_order ?? null}::text[], '{email,sms,voice,letter}'), ${r.inapp ?? 'in_order'})
    on conflict (notice_version_id, snapshot_id) do update set status = delivery_runs.status
    returning *`;
  return row!;
}

/**
 * In-app reaches a person who is the recipient themselves with a live account (a guardian has no
 * account of the child's; a deleted account has no app to show it in). `p` is an affected_people row.
 */
const inappEligible = (db: Db) => db`(p.account_status = 'active' and p.recipient = 'self')`;

/** A person's channels: those their snapshot row holds contact details for, and in-app where it reaches them. */
const personChannels = (db: Db) => db`(p.channels || case when ${inappEligible(db)} then '{inapp}'::text[] else '{}'::text[] end)`;

/**
 * The run's individual channels in order: its channel order, keeping only channels this build can
 * send, without in-app when in-app goes in addition to the first channel. `r` is a delivery_runs row.
 */
const individualOrder = (db: Db) => db`array(
  select o.c from unnest(r.channel_order) with ordinality o(c, i)
  where o.c = any(${deliveryChannels as unknown as string[]}::text[]) and not (o.c = 'inapp' and r.inapp = 'additional')
  order by o.i)`;

/**
 * One queued row per person on their first reachable channel in the run's channel order, and, when
 * in-app goes in addition, an in-app row beside it (rank 0, outside the fallback chain).
 * ON CONFLICT DO NOTHING makes planning idempotent: running it again only fills gaps.
 */
export async function planDeliveries(db: Db, run: Pick<RunRow, 'id' | 'snapshot_id'>, now: Date): Promise<{ inserted: number; reach: ReachCounts }> {
  const [r] = await db<{ incident_id: string; notice_version_id: string; inapp: InappMode; individual: string[] }[]>`
    select r.incident_id, r.notice_version_id, r.inapp, ${individualOrder(db)} as individual from delivery_runs r where r.id = ${run.id}`;
  const { individual } = r!;
  // The first channel as one CASE over the (short) order: no per-person array to build and sort.
  const has = (c: string) => (c === 'inapp' ? inappEligible(db) : db`${c}::text = any(p.channels)`);
  const first = individual.length ? db`case ${individual.map((c) => db`when ${has(c)} then ${c}::text `)} end` : db`null::text`;
  const additional = r!.inapp === 'additional' && (deliveryChannels as readonly string[]).includes('inapp') ? db`${inappEligible(db)}` : db`false`;
  const inserted = await db`
    insert into deliveries (run_id, incident_id, notice_version_id, external_id, channel, channel_rank, state, not_before, locale, created_at, updated_at)
    select ${run.id}, ${r!.incident_id}, ${r!.notice_version_id}, x.external_id, x.channel, x.rank, 'queued', ${now}, x.locale, ${now}, ${now}
    from (
      select p.external_id, p.locale, f.channel, array_position(${individual}::text[], f.channel) as rank
      from affected_people p cross join lateral (select ${first} as channel) f
      where p.snapshot_id = ${run.snapshot_id} and f.channel is not null
      union all
      select p.external_id, p.locale, 'inapp', 0 from affected_people p where p.snapshot_id = ${run.snapshot_id} and ${additional}
    ) x
    on conflict do nothing`;
  const reach = await reachCounts(db, run.snapshot_id);
  const [planned] = await db<{ n: number }[]>`select count(distinct external_id)::int as n from deliveries where run_id = ${run.id}`;
  await db`update delivery_runs set planned = ${planned!.n}, announcement_only = ${reach.announcement_only} where id = ${run.id}`;
  return { inserted: inserted.count, reach };
}

const textArray = (values: readonly string[]) => values as unknown as string[];

/**
 * The counts of reach for one snapshot over every run that sends to it (see ReachCounts): each person
 * once, by their rows in the ledger and the channels that can reach them. Once a run exists, those are
 * the person's channels (contact details, and in-app where it reaches them) that some run of the
 * snapshot sends on: its channel order, and in-app when it goes in addition. A channel no run sends on
 * can never succeed, so a person whose other channels all ended is left to the announcement, not
 * "not planned" for ever. Before any run, `next` stands for the run (what starting it now plans: in-app
 * in order when the mode is not known yet); without it, the snapshot's own channels count.
 */
export async function reachCounts(db: Db, snapshotId: string, next?: NextRunPlan): Promise<ReachCounts> {
  const [row] = await db<(Omit<ReachCounts, 'reachable' | 'basis'> & { has_run: boolean })[]>`
    with ${classifiedReach(db, snapshotId, next, null)}
    select count(*)::int as people,
      count(*) filter (where reach = 'reached')::int as reached,
      count(*) filter (where reach = 'in_flight')::int as in_flight,
      count(*) filter (where reach = 'unknown')::int as unknown,
      count(*) filter (where reach = 'not_planned')::int as not_planned,
      count(*) filter (where reach = 'announcement_only')::int as announcement_only,
      count(*) filter (where reach = 'announcement_only' and not has_channel)::int as no_channel,
      ${hasRun(db, snapshotId)} as has_run
    from classed`;
  const { has_run, ...counts } = row!;
  return { basis: reachBasis(has_run, next), ...counts, reachable: counts.people - counts.announcement_only };
}

/** Where one person stands among the counts of reach: the class reachCounts counts them in. */
export const personReaches = ['reached', 'in_flight', 'unknown', 'not_planned', 'announcement_only'] as const;
export type PersonReach = (typeof personReaches)[number];

/**
 * The class of each of these people of the snapshot, by the same query as reachCounts (so over the whole
 * snapshot the people in each class number what reachCounts gives for it), with the basis it rests on.
 */
export async function reachOfPeople(db: Db, snapshotId: string, externalIds: readonly string[], next?: NextRunPlan): Promise<{ basis: ReachBasis; people: Map<string, PersonReach> }> {
  const [run] = await db<{ has_run: boolean }[]>`select ${hasRun(db, snapshotId)} as has_run`;
  const rows = externalIds.length
    ? await db<{ external_id: string; reach: PersonReach }[]>`with ${classifiedReach(db, snapshotId, next, externalIds)} select external_id, reach from classed`
    : [];
  return { basis: reachBasis(run!.has_run, next), people: new Map(rows.map((r) => [r.external_id, r.reach])) };
}

const hasRun = (db: Db, snapshotId: string) => db`exists (select 1 from delivery_runs x where x.snapshot_id = ${snapshotId})`;

const reachBasis = (hasRuns: boolean, next: NextRunPlan | undefined): ReachBasis =>
  hasRuns ? 'runs' : !next ? 'contact_details' : next.inapp ? 'next_run' : 'next_run_inapp_unknown';

/**
 * The common table expressions ending in `classed`: one row per person of the snapshot (only those of
 * `externalIds` when given) with their class of reach (`reach`) and whether any channel could ever reach
 * them (`has_channel`). A person is reached if any row reached them; else in flight if a row is queued or
 * sending; else unknown if a row is held; else not planned while a usable channel has not ended; else
 * announcement only.
 */
function classifiedReach(db: Db, snapshotId: string, next: NextRunPlan | undefined, externalIds: readonly string[] | null) {
  const channels = textArray(deliveryChannels);
  const ids = externalIds ? textArray(externalIds) : null;
  return db`runs as (
      select r.inapp, ${individualOrder(db)} as individual from delivery_runs r where r.snapshot_id = ${snapshotId}
      ${next
        ? db`union all
          select r.inapp, ${individualOrder(db)} from (select ${textArray(next.channelOrder)}::text[] as channel_order, ${next.inapp ?? 'in_order'}::text as inapp) r
          where not ${hasRun(db, snapshotId)}`
        : db``}
    ),
    run_channels as (
      select count(*) > 0 as any_run,
        coalesce(array(select distinct c from runs, unnest(runs.individual || case when runs.inapp = 'additional' then '{inapp}'::text[] else '{}'::text[] end) c
          where c = any(${channels}::text[])), '{}') as sent_on
      from runs
    ),
    person_rows as (
      select d.external_id,
        bool_or(d.state = any(${textArray(reachedStates)}::text[])) as reached,
        bool_or(d.state = any(${textArray(pendingStates)}::text[])) as pending,
        bool_or(d.state = 'unknown') as unknown,
        array_agg(d.channel) filter (where d.state = any(${textArray(endedStates)}::text[])) as ended_channels
      from deliveries d
      where d.run_id in (select id from delivery_runs where snapshot_id = ${snapshotId}) ${ids ? db`and d.external_id = any(${ids}::text[])` : db``}
      group by d.external_id
    ),
    usable as (
      select p.external_id,
        array(select c from unnest(case when rc.any_run then ${personChannels(db)} else p.channels end) c
          where c = any(case when rc.any_run then rc.sent_on else ${channels}::text[] end)) as channels
      from affected_people p cross join run_channels rc
      where p.snapshot_id = ${snapshotId} ${ids ? db`and p.external_id = any(${ids}::text[])` : db``}
    ),
    per_person as (
      select u.external_id, coalesce(r.reached, false) as reached, coalesce(r.pending, false) as pending, coalesce(r.unknown, false) as unknown,
        cardinality(u.channels) > 0 as has_channel,
        exists (select 1 from unnest(u.channels) c where not (c = any(coalesce(r.ended_channels, '{}')))) as can_succeed
      from usable u
      left join person_rows r on r.external_id = u.external_id
    ),
    classed as (
      select external_id, has_channel,
        case when reached then 'reached' when pending then 'in_flight' when unknown then 'unknown' when can_succeed then 'not_planned' else 'announcement_only' end as reach
      from per_person
    )`;
}

/** Fresh planner statistics for the ledger, after a plan has added many rows. */
export async function analyzeLedger(db: Db): Promise<void> {
  await db`analyze deliveries`;
}

/**
 * Where a worker's last full claim ended, in claim order (`not_before`, `id`). The next claim starts
 * there instead of at the head of the queue index, whose head fills with entries of rows already sent
 * (dead until vacuumed) as a large run drains: without the cursor each claim walks past all of them.
 */
export interface ClaimCursor {
  notBefore: Date;
  id: string;
}

/**
 * Claims ready rows of running runs; `sending` and the lease are written before any provider call.
 * With `after`, only rows past that point of the claim order are taken (see ClaimCursor).
 */
export async function claimDeliveries(
  db: Db,
  p: { owner: string; limit: number; leaseMs: number; now: Date; channel?: WorkerChannel; runId?: string; after?: ClaimCursor | null; ids?: readonly string[] },
): Promise<(ClaimedDelivery & { not_before: Date })[]> {
  const leaseUntil = new Date(p.now.getTime() + p.leaseMs);
  return db<(ClaimedDelivery & { not_before: Date })[]>`
    with picked as (
      select d.id from deliveries d
      join delivery_runs r on r.id = d.run_id and r.status = 'running'
      where d.state = 'queued' and d.not_before <= ${p.now} and ${db.unsafe(workerChannelsOnly)} ${p.after ? db`and (d.not_before, d.id) > (${p.after.notBefore}, ${Number(p.after.id)})` : db``}
        ${p.channel ? db`and d.channel = ${p.channel}` : db``} ${p.runId ? db`and d.run_id = ${p.runId}` : db``}
        ${p.ids ? db`and d.id = any(${p.ids.map(Number)}::bigint[])` : db``}
      order by d.not_before, d.id
      limit ${p.limit}
      for update of d skip locked
    ),
    claimed as (
      update deliveries d set state = 'sending', lease_until = ${leaseUntil}, lease_owner = ${p.owner}, attempts = d.attempts + 1, updated_at = ${p.now},
        lease_expired_at = null
      from picked where d.id = picked.id
      returning d.id, d.run_id, d.incident_id, d.notice_version_id, d.external_id, d.channel, d.attempts, d.locale, d.not_before
    )
    select c.id::text as id, c.run_id, c.incident_id, c.notice_version_id, c.external_id, c.channel, c.attempts, c.locale,
      ap.recipient_name, ap.recipient, ap.email, ap.phone, c.not_before, i.drill,
      case when ap.recipient = 'guardian' then du.name end as subject_name
    from claimed c
    join delivery_runs r on r.id = c.run_id
    join affected_people ap on ap.snapshot_id = r.snapshot_id and ap.external_id = c.external_id
    join incidents i on i.id = c.incident_id
    left join directory_users du on du.id = ap.user_id
    order by c.id`;
}

/**
 * Workers: queued rows of running runs that are not on the Queue, or were put there `redriveMs` ago and are
 * still queued (a message lost, or dropped to the dead-letter queue), marked as put there now.
 */
export async function takeForQueue(db: Db, p: { now: Date; redriveMs: number; limit: number }): Promise<{ id: string; not_before: Date }[]> {
  return db<{ id: string; not_before: Date }[]>`
    with picked as (
      select d.id from deliveries d
      join delivery_runs r on r.id = d.run_id and r.status = 'running'
      where d.state = 'queued' and ${db.unsafe(workerChannelsOnly)} and d.enqueued_at < ${new Date(p.now.getTime() - p.redriveMs)}
      order by d.enqueued_at, d.not_before, d.id
      limit ${p.limit}
      for update of d skip locked
    )
    update deliveries d set enqueued_at = ${p.now} from picked where d.id = picked.id
    returning d.id::text as id, d.not_before`;
}

/** A run's queued rows are owed to the Queue again (it was resumed: its messages were dropped while it was paused). */
export async function owedToQueue(db: Db, runId: string): Promise<void> {
  await db`update deliveries set enqueued_at = '-infinity' where run_id = ${runId} and state = 'queued'`;
}

/** Records the provider's acceptance (or the capture) with the proof: the content hash and the language actually used. */
export async function markAccepted(
  db: Db,
  rows: { id: string; providerId: string | null; contentHash: string | null; locale: string | null }[],
  provider: string,
  state: 'accepted' | 'captured',
  now: Date,
  /** Only rows this worker still holds. */
  owner?: string,
): Promise<void> {
  if (rows.length === 0) return;
  await db`
    update deliveries d set state = ${state}, provider = ${provider}, provider_id = r.provider_id, content_hash = coalesce(r.content_hash, d.content_hash),
      locale = coalesce(r.locale, d.locale), accepted_at = ${now}, lease_until = null, lease_owner = null, lease_expired_at = null, updated_at = ${now}, error_code = null
    from jsonb_to_recordset(${db.json(rows.map((r) => ({ id: Number(r.id), provider_id: r.providerId, content_hash: r.contentHash, locale: r.locale })) as never)}::jsonb)
      as r(id bigint, provider_id text, content_hash text, locale text)
    where d.id = r.id and d.state in ('sending', 'unknown') ${owner ? db`and d.lease_owner = ${owner}` : db``}`;
}

/**
 * The proof of what is about to leave, recorded before the provider is called: for notices that cannot
 * be rendered again to the same text (they carry the person's own link, kept only as a hash).
 */
export async function recordProofBeforeSend(db: Db, rows: { id: string; contentHash: string; locale: string }[], owner: string): Promise<void> {
  if (rows.length === 0) return;
  await db`
    update deliveries d set content_hash = r.content_hash, locale = r.locale
    from jsonb_to_recordset(${db.json(rows.map((r) => ({ id: Number(r.id), content_hash: r.contentHash, locale: r.locale })) as never)}::jsonb)
      as r(id bigint, content_hash text, locale text)
    where d.id = r.id and d.state = 'sending' and d.lease_owner = ${owner}`;
}

export interface DeliveryProofRow {
  id: string;
  run_id: string;
  external_id: string;
  channel: DeliveryChannel;
  state: DeliveryState;
  attempts: number;
  provider: string | null;
  provider_id: string | null;
  content_hash: string | null;
  locale: string | null;
  error_code: string | null;
  accepted_at: Date | null;
  delivered_at: Date | null;
  lease_expired_at: Date | null;
}

export async function deliveryOf(db: Db, incidentId: string, id: string, forUpdate = false): Promise<DeliveryProofRow | undefined> {
  const [row] = await db<DeliveryProofRow[]>`
    select id::text as id, run_id, external_id, channel, state, attempts, provider, provider_id, content_hash, locale, error_code,
      accepted_at, delivered_at, lease_expired_at
    from deliveries where id = ${Number(id)} and incident_id = ${incidentId} ${forUpdate ? db`for update` : db``}`;
  return row;
}

/** A held row a person declares sent (e.g. the provider's dashboard shows it): accepted, with no provider id learned. */
export async function markSentByHand(db: Db, id: string, now: Date): Promise<void> {
  await db`
    update deliveries set state = 'accepted', accepted_at = ${now}, updated_at = ${now}, error_code = null, lease_expired_at = null
    where id = ${Number(id)} and state = 'unknown'`;
}

/** A completed run with rows queued again (a held row resent by hand) runs again. */
export async function reopenRun(db: Db, deliveryId: string): Promise<void> {
  await db`update delivery_runs set status = 'running' where status = 'completed' and id = (select run_id from deliveries where id = ${Number(deliveryId)})`;
}

/** Back to the queue after a transient failure (or an unconfirmed send to be made again); a rate-limit answer gives the attempt back. */
export async function requeue(
  db: Db,
  ids: string[],
  p: { notBefore: Date; errorCode: string; refundAttempt: boolean; now: Date; owner?: string; from?: 'sending' | 'unknown' },
): Promise<void> {
  if (ids.length === 0) return;
  await db`
    update deliveries set state = 'queued', not_before = ${p.notBefore}, error_code = ${p.errorCode}, lease_until = null, lease_owner = null,
      lease_expired_at = null, enqueued_at = '-infinity', attempts = attempts - ${p.refundAttempt ? 1 : 0}, updated_at = ${p.now}
    where id = any(${ids.map(Number)}::bigint[]) and state = ${p.from ?? 'sending'} ${p.owner ? db`and lease_owner = ${p.owner}` : db``}`;
}

/**
 * A permanent failure on one channel: the row ends in `state`, and the person's next channel in the
 * run's order is queued. With none left, the person counts toward the public announcement. An in-app
 * notice sent in addition to the first channel has no next channel: the person's own chain goes on.
 */
export async function failAndFallBack(db: Db, id: string, state: 'failed' | 'bounced' | 'undeliverable', errorCode: string, now: Date): Promise<DeliveryChannel | null> {
  const [row] = await db<{ next: DeliveryChannel | null }[]>`
    with failed as (
      update deliveries set state = ${state}, error_code = ${errorCode}, lease_until = null, lease_owner = null, updated_at = ${now}
      where id = ${Number(id)} and state in ('sending', 'accepted', 'unknown')
      returning run_id, incident_id, notice_version_id, external_id, channel, locale
    ),
    next as (
      select f.run_id, f.incident_id, f.notice_version_id, f.external_id, f.locale, c as channel, array_position(o.individual, c) as rank
      from failed f
      join delivery_runs r on r.id = f.run_id
      cross join lateral (select ${individualOrder(db)} as individual) o
      join affected_people p on p.snapshot_id = r.snapshot_id and p.external_id = f.external_id
      cross join lateral unnest(${personChannels(db)}) c
      where array_position(o.individual, c) > array_position(o.individual, f.channel)
      order by rank limit 1
    ),
    queued as (
      insert into deliveries (run_id, incident_id, notice_version_id, external_id, channel, channel_rank, state, not_before, locale, created_at, updated_at)
      select run_id, incident_id, notice_version_id, external_id, channel, rank, 'queued', ${now}, locale, ${now}, ${now} from next
      on conflict do nothing
      returning channel, run_id
    ),
    -- A run completed before this late failure arrived has work again.
    reopened as (
      update delivery_runs set status = 'running' where id in (select run_id from queued) and status = 'completed'
    )
    select (select channel from queued) as next`;
  return row?.next ?? null;
}

/** Applies a provider status to the row it names, never moving it backwards. */
export async function applyProviderState(db: Db, p: { provider: string; providerId?: string; deliveryId?: string; state: DeliveryState; errorCode?: string | null; now: Date }): Promise<{ id: string; from: DeliveryState; channel: DeliveryChannel } | null> {
  const rank = statePrecedence[p.state];
  const [row] = await db<{ id: string; from: DeliveryState; channel: DeliveryChannel }[]>`
    with target as (
      select id, state from deliveries
      where ${p.deliveryId ? db`id = ${Number(p.deliveryId)}` : db`provider = ${p.provider} and provider_id = ${p.providerId ?? ''}`}
      for update
    )
    update deliveries d set state = ${p.state}, error_code = coalesce(${p.errorCode ?? null}, d.error_code), updated_at = ${p.now},
      delivered_at = case when ${p.state} = 'delivered' then ${p.now}::timestamptz else d.delivered_at end
    from target t
    where d.id = t.id and (case t.state ${db.unsafe(Object.entries(statePrecedence).map(([s, n]) => `when '${s}' then ${n}`).join(' '))} end) < ${rank}
    returning d.id::text as id, t.state as from, d.channel`;
  return row ?? null;
}

/** A row whose lease ran out, as a reconciler takes it over: what a claim gives, and when the attempt began and lapsed. */
export interface ExpiredRow extends ClaimedDelivery {
  /** When the interrupted attempt was claimed: the provider is asked about sends since then. */
  claimed_at: Date;
  /** When its lease first ran out: the grace period counts from here. */
  lease_expired_at: Date;
  /** The proof recorded before the send, for notices that carry the person's own link; null otherwise. */
  content_hash: string | null;
}

/**
 * Rows whose worker vanished mid-send, taken over by `owner` for `holdMs` so that only one reconciler
 * decides about each: their outcome is unknown until settled. The claim time (`updated_at`) is kept, as
 * the provider is asked about sends since then, and the first expiry is kept in `lease_expired_at`.
 */
export async function takeExpiredLeases(db: Db, p: { owner: string; now: Date; holdMs: number; limit: number }): Promise<ExpiredRow[]> {
  return db<ExpiredRow[]>`
    with picked as (
      select d.id from deliveries d where d.state = 'sending' and d.lease_until < ${p.now} and ${db.unsafe(workerChannelsOnly)}
      order by lease_until limit ${p.limit}
      for update skip locked
    ),
    taken as (
      update deliveries d set lease_owner = ${p.owner}, lease_until = ${new Date(p.now.getTime() + p.holdMs)},
        lease_expired_at = coalesce(d.lease_expired_at, d.lease_until)
      from picked where d.id = picked.id
      returning d.id, d.run_id, d.incident_id, d.notice_version_id, d.external_id, d.channel, d.attempts, d.locale, d.updated_at, d.lease_expired_at,
        d.content_hash
    )
    select t.id::text as id, t.run_id, t.incident_id, t.notice_version_id, t.external_id, t.channel, t.attempts, t.updated_at as claimed_at,
      t.lease_expired_at, t.content_hash, t.locale, ap.recipient_name, ap.recipient, ap.email, ap.phone, i.drill,
      case when ap.recipient = 'guardian' then du.name end as subject_name
    from taken t
    join delivery_runs r on r.id = t.run_id
    join affected_people ap on ap.snapshot_id = r.snapshot_id and ap.external_id = t.external_id
    join incidents i on i.id = t.incident_id
    left join directory_users du on du.id = ap.user_id
    order by t.id`;
}

/** Rows nobody could settle yet go back to wait: checked again at `recheckAt`, and at the latest when the grace period ends. */
export async function releaseUndecided(db: Db, ids: string[], p: { owner: string; recheckAt: Date; graceMs: number }): Promise<void> {
  if (ids.length === 0) return;
  await db`
    update deliveries set lease_owner = null,
      lease_until = least(${p.recheckAt}::timestamptz, lease_expired_at + make_interval(secs => ${p.graceMs / 1000}))
    where id = any(${ids.map(Number)}::bigint[]) and state = 'sending' and lease_owner = ${p.owner}`;
}

/** The `hold` rule: the row leaves `sending` for `unknown` and waits for a person to settle it. */
export async function holdUnknown(db: Db, ids: string[], p: { owner: string; now: Date }): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db<{ id: string }[]>`
    update deliveries set state = 'unknown', lease_until = null, lease_owner = null, error_code = 'outcome_unknown', updated_at = ${p.now}
    where id = any(${ids.map(Number)}::bigint[]) and state = 'sending' and lease_owner = ${p.owner}
    returning id::text as id`;
  return rows.map((r) => r.id);
}

export type UnconfirmedResolution = 'resent' | 'held' | 'marked_sent' | 'events' | 'lookup';

/** Records attempts whose outcome nobody could confirm at the time, and how each was settled: part of the proof. */
export async function recordUnconfirmed(
  db: Db,
  rows: { id: string; attempts: number; claimed_at: Date; lease_expired_at: Date }[],
  p: { resolution: UnconfirmedResolution; settledBy: string; reason: string | null; settledAt: Date | null },
): Promise<void> {
  if (rows.length === 0) return;
  await db`
    insert into delivery_unconfirmed_attempts (delivery_id, attempt, claimed_at, lease_expired_at, settled_at, resolution, settled_by, reason)
    select r.id, r.attempt, r.claimed_at, r.lease_expired_at, ${p.settledAt}, ${p.resolution}, ${p.settledBy}, ${p.reason}
    from jsonb_to_recordset(${db.json(rows.map((r) => ({ id: Number(r.id), attempt: r.attempts, claimed_at: r.claimed_at.toISOString(), lease_expired_at: r.lease_expired_at.toISOString() })) as never)}::jsonb)
      as r(id bigint, attempt int, claimed_at timestamptz, lease_expired_at timestamptz)
    on conflict (delivery_id, attempt) do update set settled_at = excluded.settled_at, resolution = excluded.resolution,
      settled_by = excluded.settled_by, reason = excluded.reason`;
}

/** Closes a held attempt (settled by hand, or by a provider event that came late). */
export async function closeHeldAttempt(db: Db, id: string, p: { resolution: UnconfirmedResolution; settledBy: string; reason: string | null; now: Date }): Promise<void> {
  await db`
    update delivery_unconfirmed_attempts set settled_at = ${p.now}, resolution = ${p.resolution}, settled_by = ${p.settledBy}, reason = ${p.reason}
    where delivery_id = ${Number(id)} and resolution = 'held' and settled_at is null`;
}

export interface UnconfirmedAttempt {
  attempt: number;
  claimed_at: Date;
  lease_expired_at: Date;
  settled_at: Date | null;
  resolution: UnconfirmedResolution;
  settled_by: string | null;
  reason: string | null;
}

export async function unconfirmedAttempts(db: Db, id: string): Promise<UnconfirmedAttempt[]> {
  return db<UnconfirmedAttempt[]>`
    select attempt, claimed_at, lease_expired_at, settled_at, resolution, settled_by, reason
    from delivery_unconfirmed_attempts where delivery_id = ${Number(id)} order by attempt`;
}

/** What a provider account's look-up offers, as last found out; `null` when never asked or the answer is stale. */
export async function lookupAvailability(db: Db, account: string, now: Date): Promise<{ available: boolean; detail: string | null } | null> {
  const [row] = await db<{ available: boolean; detail: string | null }[]>`
    select available, detail from provider_lookup_status where account = ${account} and recheck_after > ${now}`;
  return row ?? null;
}

export async function rememberLookupAvailability(db: Db, account: string, p: { available: boolean; detail: string | null; now: Date; recheckAfter: Date }): Promise<void> {
  await db`
    insert into provider_lookup_status (account, available, detail, checked_at, recheck_after)
    values (${account}, ${p.available}, ${p.detail}, ${p.now}, ${p.recheckAfter})
    on conflict (account) do update set available = excluded.available, detail = excluded.detail, checked_at = excluded.checked_at,
      recheck_after = excluded.recheck_after`;
}

/** Rows settled (accepted, captured or ended) in the last minute, rows still to send, and rows held as unknown: for rate and ETA. */
export async function runPace(db: Db, runId: string, now: Date): Promise<{ settled_last_minute: number; remaining: number; unknown: number }> {
  const [row] = await db<{ settled_last_minute: number; remaining: number; unknown: number }[]>`
    select count(*) filter (where state not in ('queued', 'sending', 'unknown') and updated_at > ${new Date(now.getTime() - 60_000)})::int as settled_last_minute,
      count(*) filter (where state in ('queued', 'sending'))::int as remaining,
      count(*) filter (where state = 'unknown')::int as unknown
    from deliveries where run_id = ${runId}`;
  return row!;
}

const runsOf = (db: Db, snapshotId: string) => db`select id from delivery_runs where snapshot_id = ${snapshotId}`;

/** Rows still `sending` whose lease has run out (being settled now, or waiting for a worker to), over a snapshot's runs. */
export async function expiredSending(db: Db, snapshotId: string, now: Date): Promise<number> {
  const [row] = await db<{ n: number }[]>`
    select count(*)::int as n from deliveries
    where state = 'sending' and (lease_expired_at is not null or lease_until < ${now}) and run_id in (${runsOf(db, snapshotId)})`;
  return row!.n;
}

export async function unknownDeliveries(
  db: Db,
  snapshotId: string,
  limit: number,
): Promise<{ delivery_id: string; external_id: string; channel: string; attempts: number; lease_expired_at: Date | null }[]> {
  return db`
    select id::text as delivery_id, external_id, channel, attempts, lease_expired_at from deliveries
    where state = 'unknown' and run_id in (${runsOf(db, snapshotId)})
    order by id limit ${limit}`;
}

/** Running runs with nothing left to do (no row queued, sending or held as unknown) become `completed`. */
export async function completeFinishedRuns(db: Db): Promise<{ id: string; incident_id: string; planned: number }[]> {
  return db`
    update delivery_runs r set status = 'completed'
    where r.status = 'running' and not exists (select 1 from deliveries d where d.run_id = r.id and d.state in ('queued', 'sending', 'unknown'))
    returning r.id, r.incident_id, r.planned`;
}

export async function runCounts(db: Db, runId: string): Promise<{ channel: DeliveryChannel; state: DeliveryState; n: number }[]> {
  return db`select channel, state, count(*)::int as n from deliveries where run_id = ${runId} group by channel, state order by channel, state`;
}
