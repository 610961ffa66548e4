// SQL for the delivery ledger: planning from a snapshot, claiming with SKIP LOCKED and a lease, and state changes.
import type { Db } from '../db/client.js';
import type { InappMode } from '../notices/content.js';

export const deliveryChannels = ['email', 'sms', 'voice', 'inapp'] as const;
export type DeliveryChannel = (typeof deliveryChannels)[number];
export const deliveryStates = ['queued', 'sending', 'accepted', 'delivered', 'failed', 'bounced', 'undeliverable', 'captured', 'cancelled'] as const;
export type DeliveryState = (typeof deliveryStates)[number];

/** Later states win: a late `accepted` never overwrites `delivered`. */
export const statePrecedence: Record<DeliveryState, number> = {
  queued: 0,
  sending: 1,
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
  channel: DeliveryChannel;
  attempts: number;
  locale: string | null;
  recipient_name: string | null;
  recipient: 'self' | 'guardian';
  email: string | null;
  phone: string | null;
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
export async function planDeliveries(db: Db, run: Pick<RunRow, 'id' | 'snapshot_id'>, now: Date): Promise<{ inserted: number; announcementOnly: number }> {
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
  const [counts] = await db<{ planned: number; announcement_only: number }[]>`
    select
      (select count(distinct external_id)::int from deliveries where run_id = ${run.id}) as planned,
      -- The people planning gives no row: no channel of the run's order, and no in-app beside it.
      (select count(*)::int from affected_people p
        where p.snapshot_id = ${run.snapshot_id} and (${first}) is null and not ${additional}) as announcement_only`;
  await db`update delivery_runs set planned = ${counts!.planned}, announcement_only = ${counts!.announcement_only} where id = ${run.id}`;
  return { inserted: inserted.count, announcementOnly: counts!.announcement_only };
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
  p: { owner: string; limit: number; leaseMs: number; now: Date; channel?: DeliveryChannel; runId?: string; after?: ClaimCursor | null },
): Promise<(ClaimedDelivery & { not_before: Date })[]> {
  const leaseUntil = new Date(p.now.getTime() + p.leaseMs);
  return db<(ClaimedDelivery & { not_before: Date })[]>`
    with picked as (
      select d.id from deliveries d
      join delivery_runs r on r.id = d.run_id and r.status = 'running'
      where d.state = 'queued' and d.not_before <= ${p.now} ${p.after ? db`and (d.not_before, d.id) > (${p.after.notBefore}, ${Number(p.after.id)})` : db``}
        ${p.channel ? db`and d.channel = ${p.channel}` : db``} ${p.runId ? db`and d.run_id = ${p.runId}` : db``}
      order by d.not_before, d.id
      limit ${p.limit}
      for update of d skip locked
    ),
    claimed as (
      update deliveries d set state = 'sending', lease_until = ${leaseUntil}, lease_owner = ${p.owner}, attempts = d.attempts + 1, updated_at = ${p.now}
      from picked where d.id = picked.id
      returning d.id, d.run_id, d.incident_id, d.notice_version_id, d.external_id, d.channel, d.attempts, d.locale, d.not_before
    )
    select c.id::text as id, c.run_id, c.incident_id, c.notice_version_id, c.external_id, c.channel, c.attempts, c.locale,
      ap.recipient_name, ap.recipient, ap.email, ap.phone, c.not_before
    from claimed c
    join delivery_runs r on r.id = c.run_id
    join affected_people ap on ap.snapshot_id = r.snapshot_id and ap.external_id = c.external_id
    order by c.id`;
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
    update deliveries d set state = ${state}, provider = ${provider}, provider_id = r.provider_id, content_hash = r.content_hash,
      locale = r.locale, accepted_at = ${now}, lease_until = null, lease_owner = null, updated_at = ${now}, error_code = null
    from jsonb_to_recordset(${db.json(rows.map((r) => ({ id: Number(r.id), provider_id: r.providerId, content_hash: r.contentHash, locale: r.locale })) as never)}::jsonb)
      as r(id bigint, provider_id text, content_hash text, locale text)
    where d.id = r.id and d.state = 'sending' ${owner ? db`and d.lease_owner = ${owner}` : db``}`;
}

/** Back to the queue after a transient failure; a rate-limit answer gives the attempt back. */
export async function requeue(db: Db, ids: string[], p: { notBefore: Date; errorCode: string; refundAttempt: boolean; now: Date; owner?: string }): Promise<void> {
  if (ids.length === 0) return;
  await db`
    update deliveries set state = 'queued', not_before = ${p.notBefore}, error_code = ${p.errorCode}, lease_until = null, lease_owner = null,
      attempts = attempts - ${p.refundAttempt ? 1 : 0}, updated_at = ${p.now}
    where id = any(${ids.map(Number)}::bigint[]) and state = 'sending' ${p.owner ? db`and lease_owner = ${p.owner}` : db``}`;
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
      where id = ${Number(id)} and state in ('sending', 'accepted')
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
      returning channel
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

/**
 * Rows whose worker vanished mid-send, taken over by `owner` for `leaseMs` so that only one reconciler
 * asks the provider about each: their outcome is unknown until checked. The claim time (`updated_at`) is
 * kept, as the provider is asked about sends since then.
 */
export async function takeExpiredLeases(
  db: Db,
  p: { owner: string; now: Date; leaseMs: number; limit: number },
): Promise<{ id: string; channel: DeliveryChannel; claimed_at: Date; email: string | null; phone: string | null; locale: string | null }[]> {
  return db`
    with picked as (
      select id from deliveries where state = 'sending' and lease_until < ${p.now}
      order by lease_until limit ${p.limit}
      for update skip locked
    ),
    taken as (
      update deliveries d set lease_owner = ${p.owner}, lease_until = ${new Date(p.now.getTime() + p.leaseMs)}
      from picked where d.id = picked.id
      returning d.id, d.run_id, d.external_id, d.channel, d.locale, d.updated_at
    )
    select t.id::text as id, t.channel, t.updated_at as claimed_at, ap.email, ap.phone, t.locale
    from taken t
    join delivery_runs r on r.id = t.run_id
    join affected_people ap on ap.snapshot_id = r.snapshot_id and ap.external_id = t.external_id
    order by t.id`;
}

/** Rows settled (accepted, captured or ended) in the last minute, and rows still to send: for rate and ETA. */
export async function runPace(db: Db, runId: string, now: Date): Promise<{ settled_last_minute: number; remaining: number }> {
  const [row] = await db<{ settled_last_minute: number; remaining: number }[]>`
    select count(*) filter (where state not in ('queued', 'sending') and updated_at > ${new Date(now.getTime() - 60_000)})::int as settled_last_minute,
      count(*) filter (where state in ('queued', 'sending'))::int as remaining
    from deliveries where run_id = ${runId}`;
  return row!;
}

export async function runCounts(db: Db, runId: string): Promise<{ channel: DeliveryChannel; state: DeliveryState; n: number }[]> {
  return db`select channel, state, count(*)::int as n from deliveries where run_id = ${runId} group by channel, state order by channel, state`;
}
