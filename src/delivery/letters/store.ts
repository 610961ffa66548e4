// SQL for letters: print batches, their PDF pieces and manifest, and the letter rows of the ledger they hold.
import type { Db } from '../../db/client.js';
import type { NoticeContent } from '../../notices/content.js';

export type BatchStatus = 'rendering' | 'ready' | 'failed' | 'handed_over';

export interface BatchRow {
  id: string;
  incident_id: string;
  status: BatchStatus;
  letters: number;
  rendered: number;
  pages: number;
  pdf_bytes: string | number;
  pdf_sha256: string | null;
  manifest_sha256: string | null;
  failure: string | null;
  created_at: Date;
  created_by: string;
  progress_at: Date;
  ready_at: Date | null;
  handed_over_at: Date | null;
  handed_over_by: string | null;
  taken_by: string | null;
}

const batchColumns = (db: Db) =>
  db`id, incident_id, status, letters, rendered, pages, pdf_bytes, pdf_sha256, manifest_sha256, failure, created_at, created_by, progress_at, ready_at, handed_over_at, handed_over_by, taken_by`;

/**
 * Takes every queued letter of the incident's running runs that is in no batch yet (skipping rows
 * another batch is taking at this moment) into a new batch; `excludeCountries` stay queued (Lob's).
 */
export async function takeQueuedLetters(db: Db, p: { batchId: string; incidentId: string; now: Date; excludeCountries: string[] }): Promise<number> {
  const [row] = await db<{ n: number }[]>`
    with picked as (
      select d.id from deliveries d
      join delivery_runs r on r.id = d.run_id and r.status = 'running'
      join affected_people ap on ap.snapshot_id = r.snapshot_id and ap.external_id = d.external_id
      where d.incident_id = ${p.incidentId} and d.channel = 'letter' and d.state = 'queued' and d.letter_batch_id is null
        and not (upper(ap.postal_address->>'country') = any(${p.excludeCountries}::text[]))
      for update of d skip locked
    ),
    taken as (
      update deliveries d set letter_batch_id = ${p.batchId}, updated_at = ${p.now} from picked where d.id = picked.id returning d.id
    )
    select count(*)::int as n from taken`;
  return row!.n;
}

/**
 * Fresh planner statistics after a large batch was taken: without them (autovacuum late, or none on
 * PGlite) the planner takes the batch for one row and joins each letter to its person by scanning
 * the whole snapshot.
 */
export async function analyzeForBatch(db: Db): Promise<void> {
  await db`analyze deliveries`;
  await db`analyze affected_people`;
}

export async function insertBatch(db: Db, b: { id: string; incidentId: string; letters: number; createdBy: string; now: Date }): Promise<void> {
  await db`
    insert into letter_batches (id, incident_id, status, letters, created_at, created_by, progress_at)
    values (${b.id}, ${b.incidentId}, 'rendering', ${b.letters}, ${b.now}, ${b.createdBy}, ${b.now})`;
}

export async function selectBatch(db: Db, incidentId: string, batchId: string, lock = false): Promise<BatchRow | undefined> {
  const [row] = await db<BatchRow[]>`
    select ${batchColumns(db)} from letter_batches where id = ${batchId} and incident_id = ${incidentId} ${lock ? db`for update` : db``}`;
  return row;
}

export async function selectBatches(db: Db, incidentId: string): Promise<BatchRow[]> {
  return db<BatchRow[]>`select ${batchColumns(db)} from letter_batches where incident_id = ${incidentId} order by created_at, id`;
}

/** Batches whose rendering stopped (a failure, or a process that died: no progress for `staleBefore`). */
export async function selectStalledBatches(db: Db, incidentId: string, staleBefore: Date): Promise<BatchRow[]> {
  return db<BatchRow[]>`
    select ${batchColumns(db)} from letter_batches
    where incident_id = ${incidentId} and (status = 'failed' or (status = 'rendering' and progress_at < ${staleBefore}))
    order by created_at`;
}

/** Starts (or restarts) a rendering from nothing. */
export async function resetBatch(db: Db, batchId: string, now: Date): Promise<void> {
  await db`delete from letter_batch_parts where batch_id = ${batchId}`;
  await db`
    update letter_batches set status = 'rendering', rendered = 0, pages = 0, pdf_bytes = 0, pdf_sha256 = null, manifest = null,
      manifest_sha256 = null, failure = null, progress_at = ${now}
    where id = ${batchId}`;
}

export interface BatchLetterRow {
  id: string;
  external_id: string;
  notice_version_id: string;
  locale: string | null;
  recipient_name: string | null;
  recipient: 'self' | 'guardian';
  /** The child a guardian's letter is about (null for a letter to the person themselves). */
  subject_name: string | null;
  postal_address: { line1: string | null; line2?: string | null; city?: string | null; region?: string | null; postal_code?: string | null; country: string };
}

/** The batch's letters in print order: US Letter paper first, then A4, each in id order. */
export async function selectBatchOrder(db: Db, batchId: string, letterCountries: readonly string[]): Promise<string[]> {
  const rows = await db<{ id: string }[]>`
    select d.id::text as id from deliveries d
    join delivery_runs r on r.id = d.run_id
    join affected_people ap on ap.snapshot_id = r.snapshot_id and ap.external_id = d.external_id
    where d.letter_batch_id = ${batchId}
    order by case when upper(ap.postal_address->>'country') = any(${letterCountries as string[]}::text[]) then 0 else 1 end, d.id`;
  return rows.map((r) => r.id);
}

/** The letters with these ids, in the order given. */
export async function selectLetters(db: Db, ids: string[]): Promise<BatchLetterRow[]> {
  const rows = await db<BatchLetterRow[]>`
    select d.id::text as id, d.external_id, d.notice_version_id, d.locale, ap.recipient_name, ap.recipient, ap.postal_address,
      case when ap.recipient = 'guardian' then du.name end as subject_name
    from deliveries d
    join delivery_runs r on r.id = d.run_id
    join affected_people ap on ap.snapshot_id = r.snapshot_id and ap.external_id = d.external_id
    left join directory_users du on du.id = ap.user_id
    where d.id = any(${ids.map(Number)}::bigint[])`;
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)!);
}

export async function insertPart(db: Db, batchId: string, seq: number, data: Uint8Array): Promise<void> {
  await db`insert into letter_batch_parts (batch_id, seq, data) values (${batchId}, ${seq}, ${data as never})`;
}

export async function selectPart(db: Db, batchId: string, seq: number): Promise<Uint8Array | undefined> {
  const [row] = await db<{ data: Uint8Array }[]>`select data from letter_batch_parts where batch_id = ${batchId} and seq = ${seq}`;
  return row?.data;
}

/** The proof of each printed letter (its content hash and language), and the batch's progress. */
export async function recordRendered(db: Db, batchId: string, letters: { id: string; contentHash: string; locale: string }[], totals: { rendered: number; pages: number; bytes: number }, now: Date): Promise<void> {
  if (letters.length > 0) {
    await db`
      update deliveries d set content_hash = r.content_hash, locale = r.locale, updated_at = ${now}
      from jsonb_to_recordset(${db.json(letters.map((l) => ({ id: Number(l.id), content_hash: l.contentHash, locale: l.locale })) as never)}::jsonb)
        as r(id bigint, content_hash text, locale text)
      where d.id = r.id and d.letter_batch_id = ${batchId}`;
  }
  await db`update letter_batches set rendered = ${totals.rendered}, pages = ${totals.pages}, pdf_bytes = ${totals.bytes}, progress_at = ${now} where id = ${batchId}`;
}

export async function finishBatch(db: Db, batchId: string, f: { pages: number; bytes: number; pdfSha256: string; manifest: string; manifestSha256: string; now: Date }): Promise<void> {
  await db`
    update letter_batches set status = 'ready', pages = ${f.pages}, pdf_bytes = ${f.bytes}, pdf_sha256 = ${f.pdfSha256}, manifest = ${f.manifest},
      manifest_sha256 = ${f.manifestSha256}, ready_at = ${f.now}, progress_at = ${f.now}
    where id = ${batchId}`;
}

export async function failBatch(db: Db, batchId: string, failure: string, now: Date): Promise<void> {
  await db`update letter_batches set status = 'failed', failure = ${failure}, progress_at = ${now} where id = ${batchId} and status = 'rendering'`;
}

export async function selectManifest(db: Db, batchId: string): Promise<string | null> {
  const [row] = await db<{ manifest: string | null }[]>`select manifest from letter_batches where id = ${batchId}`;
  return row?.manifest ?? null;
}

/** Handover: every letter of the batch is now with the mail house (`accepted`, the batch as provider id). */
export async function markHandedOver(db: Db, batchId: string, p: { takenBy: string; takenAt: Date; by: string; now: Date }): Promise<number> {
  const rows = await db`
    update deliveries set state = 'accepted', provider = 'print', provider_id = ${batchId}, accepted_at = ${p.takenAt}, updated_at = ${p.now}
    where letter_batch_id = ${batchId} and state = 'queued'`;
  await db`
    update letter_batches set status = 'handed_over', handed_over_at = ${p.takenAt}, handed_over_by = ${p.by}, taken_by = ${p.takenBy}
    where id = ${batchId}`;
  return rows.count;
}

export interface LetterDeliveryRow {
  id: string;
  state: string;
  channel: string;
  letter_batch_id: string | null;
}

/** The incident's deliveries among `ids` (numeric ids only; others cannot exist). */
export async function selectDeliveries(db: Db, incidentId: string, ids: string[]): Promise<LetterDeliveryRow[]> {
  const numeric = ids.filter((id) => /^\d{1,18}$/.test(id)).map(Number);
  if (numeric.length === 0) return [];
  return db<LetterDeliveryRow[]>`
    select id::text as id, state, channel, letter_batch_id from deliveries
    where incident_id = ${incidentId} and id = any(${numeric}::bigint[])
    for update`;
}

export interface NoticeFactsRow {
  content: NoticeContent;
  title: string;
  discovered_at: Date;
}

export async function selectNoticeFacts(db: Db, noticeVersionId: string): Promise<NoticeFactsRow | undefined> {
  const [row] = await db<NoticeFactsRow[]>`
    select n.content, i.title, i.discovered_at from notice_versions n join incidents i on i.id = n.incident_id where n.id = ${noticeVersionId}`;
  return row;
}

/**
 * Letters for Lob: queued ones of running runs in no print batch, to `countries`, and ones whose earlier
 * attempt was cut off (`sending` past its lease). They go to `sending` before Lob is called; `attempts`
 * counts this one (a rate-limited attempt was given back, as Lob made nothing).
 */
export async function claimLobLetters(db: Db, p: { incidentId: string; countries: string[]; owner: string; now: Date; leaseMs: number; limit: number }): Promise<(BatchLetterRow & { attempts: number })[]> {
  return db<(BatchLetterRow & { attempts: number })[]>`
    with picked as (
      select d.id from deliveries d
      join delivery_runs r on r.id = d.run_id
      join affected_people ap on ap.snapshot_id = r.snapshot_id and ap.external_id = d.external_id
      where d.incident_id = ${p.incidentId} and d.channel = 'letter' and d.letter_batch_id is null
        and upper(ap.postal_address->>'country') = any(${p.countries}::text[])
        and ((d.state = 'queued' and r.status = 'running' and d.not_before <= ${p.now}) or (d.state = 'sending' and d.lease_until < ${p.now}))
      order by d.id limit ${p.limit}
      for update of d skip locked
    ),
    claimed as (
      update deliveries d set state = 'sending', provider = 'lob', lease_owner = ${p.owner}, lease_until = ${new Date(p.now.getTime() + p.leaseMs)},
        attempts = d.attempts + 1, updated_at = ${p.now}
      from picked where d.id = picked.id
      returning d.id, d.run_id, d.external_id, d.notice_version_id, d.locale, d.attempts
    )
    select c.id::text as id, c.external_id, c.notice_version_id, c.locale, c.attempts, ap.recipient_name, ap.recipient, ap.postal_address,
      case when ap.recipient = 'guardian' then du.name end as subject_name
    from claimed c
    join delivery_runs r on r.id = c.run_id
    join affected_people ap on ap.snapshot_id = r.snapshot_id and ap.external_id = c.external_id
    left join directory_users du on du.id = ap.user_id
    order by c.id`;
}
