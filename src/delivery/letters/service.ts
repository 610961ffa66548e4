// Letters: queued letter rows go into print batches (one combined PDF and a manifest for a mail house), are handed over, and come back as returned mail.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Db } from '../../db/client.js';
import { inTransaction } from '../../db/client.js';
import { ConflictError, InvalidFactsError, NotFoundError, type FieldProblem } from '../../errors.js';
import { getIncident, recordEvent, type Actor } from '../../incidents/service.js';
import { csvRows } from '../../lib/csv.js';
import { canonicalJson, sha256Hex } from '../../lib/hash.js';
import { newId } from '../../lib/ids.js';
import type { Logger } from '../../lib/logger.js';
import type { NoticeRenderer } from '../../notices/renderer.js';
import { loadProfile } from '../../obligations/profile.js';
import * as ledger from '../ledger.js';
import { concatBytes } from '../../lib/bytes.js';
import { addressLines, letterPaperCountries, type PostalAddress } from './paper.js';
import type { LetterPdfMaker, LetterSender, LetterToPrint, PrintedLetter } from './types.js';
import type { LobAddress, LobOutcome, LobProvider } from '../providers/lob.js';
import * as store from './store.js';
import { issueNoticeLinks } from '../../notice-pages/service.js';
import { standInPageUrl, withPageLink } from '../../notice-pages/link.js';

export type { BatchRow } from './store.js';

export interface LetterDeps {
  /** Makes letter PDFs (pdfkit and its fonts, on Node); null where the runtime has none (Workers): no letters there. */
  pdf: LetterPdfMaker | null;
  renderer: NoticeRenderer;
  publicNoticeUrl: string;
  /** Where notice-page links point (PUBLIC_BASE_URL); without it, the public notice's origin. */
  noticePageBaseUrl?: string;
  /** Destination countries whose letters go through Lob instead of print batches (none without Lob). */
  lobCountries: readonly string[];
  /** Lob, where LOB_API_KEY is set. */
  lob: LobProvider | null;
}

/** A rendering with no progress for this long belongs to a process that died: the next batch request restarts it. */
export const stalledAfterMs = 120_000;

/** Letters rendered between two progress records (and flushes of the PDF to the database). */
const slice = 250;
/** Pieces of the combined PDF as stored. */
const partBytes = 1024 * 1024;

export const manifestHeader = [
  'delivery_id', 'recipient', 'address_line_1', 'address_line_2', 'address_line_3', 'address_line_4', 'address_line_5', 'address_line_6',
  'country', 'paper', 'first_page', 'pages', 'content_hash',
] as const;

/** The sender block and the one-line return address, from the organisation profile. */
export async function letterSender(db: Db): Promise<LetterSender & { country: string }> {
  const profile = await loadProfile(db);
  const a = profile.return_address;
  if (!a) throw new ConflictError('no return address: set return_address in the organisation profile (PUT /v1/organisation) before printing letters');
  const lines = [a.name, ...addressLines(null, a, a.country)];
  return { lines, returnLine: lines.join(' · '), country: a.country };
}

/**
 * Takes every queued letter of the incident into a new print batch (and restarts any batch whose
 * rendering failed or stopped). Rendering is started by the caller with renderBatch.
 */
export async function createBatch(db: Db, deps: LetterDeps, incidentId: string, actor: Actor, now: Date): Promise<{ batch: store.BatchRow | null; restarted: store.BatchRow[] }> {
  await getIncident(db, incidentId);
  if (!deps.pdf) throw new ConflictError('letters are rendered by a Node process (the fonts are not available on this runtime)');
  await letterSender(db);
  const made = await inTransaction(db, async (tx) => {
    const restarted = await store.selectStalledBatches(tx, incidentId, new Date(now.getTime() - stalledAfterMs));
    for (const b of restarted) await store.resetBatch(tx, b.id, now);
    const id = newId('lb', now);
    await store.insertBatch(tx, { id, incidentId, letters: 0, createdBy: actor.id, now });
    const taken = await store.takeQueuedLetters(tx, { batchId: id, incidentId, now, excludeCountries: [...deps.lobCountries] });
    if (taken === 0) {
      await tx`delete from letter_batches where id = ${id}`;
      if (restarted.length === 0) throw new ConflictError('no letters are waiting to be printed (none queued outside a batch)');
      return { batch: null, restarted: await Promise.all(restarted.map(async (b) => (await store.selectBatch(tx, incidentId, b.id))!)) };
    }
    await tx`update letter_batches set letters = ${taken} where id = ${id}`;
    await recordEvent(tx, incidentId, 'letters.batch_created', actor, now, { batch_id: id, letters: taken, restarted: restarted.map((b) => b.id) });
    return { batch: (await store.selectBatch(tx, incidentId, id))!, restarted };
  });
  if ((made.batch?.letters ?? 0) >= largeBatch) await store.analyzeForBatch(db);
  return made;
}

/** From this many letters on, a batch refreshes the planner's statistics before it is rendered. */
const largeBatch = 1000;

/**
 * Renders ledger rows into letters ready to print: the notice in the person's language (the letter
 * template) with the person's own notice-page link, the address block for the destination's post, and
 * the date in that language; a guardian's letter names the child it is about. Each call issues the links of the rows it is given (one statement).
 */
function letterPreparer(db: Db, deps: LetterDeps, sender: LetterSender & { country: string }, date: Date, now: () => Date): (rows: store.BatchLetterRow[]) => Promise<LetterToPrint[]> {
  const facts = new Map<string, store.NoticeFactsRow>();
  const pageBase = deps.noticePageBaseUrl ?? new URL(deps.publicNoticeUrl).origin;
  const standIn = standInPageUrl(pageBase);
  return async (rows) => {
    const links = await issueNoticeLinks(db, rows.map((r) => r.id), pageBase, now());
    const letters: LetterToPrint[] = [];
    for (const row of rows) {
      let f = facts.get(row.notice_version_id);
      if (!f) facts.set(row.notice_version_id, (f = (await store.selectNoticeFacts(db, row.notice_version_id))!));
      // Rendered with the stand-in link (shared, so the rendering is reused), then given the person's own.
      const notice = withPageLink(
        deps.renderer.render({
          channel: 'letter',
          locale: row.locale,
          content: f.content,
          recipient: { name: row.recipient_name, isGuardian: row.recipient === 'guardian', locale: row.locale, subjectName: row.subject_name },
          links: { publicNotice: deps.publicNoticeUrl, noticePage: standIn },
          incident: { title: f.title, discoveredAt: f.discovered_at },
        }),
        standIn,
        links.get(row.id),
      );
      const address = row.postal_address as PostalAddress;
      letters.push({
        deliveryId: row.id,
        locale: notice.locale,
        text: notice.text!,
        recipientLines: addressLines(row.recipient_name, address, sender.country),
        country: address.country.toUpperCase(),
        date: letterDate(date, notice.locale),
      });
    }
    return letters;
  };
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
const letterDate = (at: Date, locale: string) => {
  let f = dateFormats.get(locale);
  if (!f) dateFormats.set(locale, (f = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' })));
  return f.format(at);
};

/** One letter as its own PDF (Lob, previews and tests); a batch writes many into one. */
export async function letterPdf(maker: LetterPdfMaker, sender: LetterSender, letter: LetterToPrint, createdAt: Date): Promise<{ pdf: Uint8Array; printed: PrintedLetter }> {
  const chunks: Uint8Array[] = [];
  const writer = maker.open(sender, (c) => chunks.push(c), { title: `Letter ${letter.deliveryId}`, createdAt });
  const printed = writer.add(letter);
  await writer.end();
  return { pdf: concatBytes(chunks), printed };
}

/** The proof of one letter: everything printed on it, hashed in a canonical form anyone can recompute. */
export function letterContentHash(letter: LetterToPrint, sender: LetterSender, paper: string): string {
  return sha256Hex(canonicalJson({ channel: 'letter', letter, sender, paper }));
}

export interface RenderBatchDeps {
  db: Db;
  letters: LetterDeps;
  logger: Logger;
  now: () => Date;
}

/**
 * Renders a batch into one combined PDF (stored in pieces) and its manifest, recording each letter's
 * content hash on its delivery row and the progress on the batch as it goes. Restartable from nothing.
 */
export async function renderBatch(d: RenderBatchDeps, incidentId: string, batchId: string): Promise<void> {
  const { db } = d;
  const maker = d.letters.pdf;
  if (!maker) throw new ConflictError('letters are rendered by a Node process (the fonts are not available on this runtime)');
  const batch = await store.selectBatch(db, incidentId, batchId);
  if (!batch) throw new NotFoundError('letter batch', batchId);
  try {
    const sender = await letterSender(db);
    const hasher = sha256.create();
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let bytes = 0;
    let seq = 0;
    const writer = maker.open(sender, (chunk) => {
      pending.push(chunk);
      pendingBytes += chunk.length;
      bytes += chunk.length;
      hasher.update(chunk);
    }, { title: `Letters ${batchId}`, createdAt: batch.created_at });
    const flush = async (all: boolean) => {
      while (pendingBytes >= partBytes || (all && pendingBytes > 0)) {
        const joined = pending.length === 1 ? pending[0]! : concatBytes(pending);
        const piece = joined.subarray(0, Math.min(partBytes, joined.length));
        await store.insertPart(db, batchId, seq++, piece);
        const rest = joined.subarray(piece.length);
        pending = rest.length ? [rest] : [];
        pendingBytes = rest.length;
      }
    };

    const manifest: unknown[][] = [[...manifestHeader]];
    const prepare = letterPreparer(db, d.letters, sender, batch.created_at, d.now);
    const order = await store.selectBatchOrder(db, batchId, letterPaperCountries);
    let rendered = 0;
    for (let at = 0; at < order.length; at += slice) {
      const rows = await store.selectLetters(db, order.slice(at, at + slice));
      const letters = await prepare(rows);
      const proofs: { id: string; contentHash: string; locale: string }[] = [];
      for (const [i, row] of rows.entries()) {
        const letter = letters[i]!;
        const printed = writer.add(letter);
        const contentHash = letterContentHash(letter, { lines: sender.lines, returnLine: sender.returnLine }, printed.paper);
        const lines = addressLines(null, row.postal_address as PostalAddress, sender.country);
        manifest.push([row.id, row.recipient_name ?? '', ...Array.from({ length: 6 }, (_, i) => lines[i] ?? ''), letter.country, printed.paper, printed.firstPage, printed.pages, contentHash]);
        proofs.push({ id: row.id, contentHash, locale: letter.locale });
      }
      rendered += rows.length;
      // Lets the PDF stream hand over what it has produced before it is stored.
      await new Promise((resolve) => setTimeout(resolve, 0));
      await flush(false);
      await store.recordRendered(db, batchId, proofs, { rendered, pages: writer.pageCount, bytes }, d.now());
    }
    await writer.end();
    await flush(true);
    const manifestText = csvRows(manifest);
    const pdfSha256 = bytesToHex(hasher.digest());
    const now = d.now();
    await inTransaction(db, async (tx) => {
      await store.finishBatch(tx, batchId, { pages: writer.pageCount, bytes, pdfSha256, manifest: manifestText, manifestSha256: sha256Hex(manifestText), now });
      await recordEvent(tx, incidentId, 'letters.batch_ready', { id: 'system', name: 'letter renderer' }, now, {
        batch_id: batchId,
        letters: rendered,
        pages: writer.pageCount,
        pdf_sha256: pdfSha256,
        manifest_sha256: sha256Hex(manifestText),
      });
    });
  } catch (err) {
    d.logger.error({ err, batch_id: batchId }, 'letter batch rendering failed');
    await store.failBatch(db, batchId, err instanceof Error ? err.message.slice(0, 500) : 'rendering failed', d.now());
  }
}

export async function getBatch(db: Db, incidentId: string, batchId: string): Promise<store.BatchRow> {
  await getIncident(db, incidentId);
  const batch = await store.selectBatch(db, incidentId, batchId);
  if (!batch) throw new NotFoundError('letter batch', batchId);
  return batch;
}

export async function listBatches(db: Db, incidentId: string): Promise<store.BatchRow[]> {
  await getIncident(db, incidentId);
  return store.selectBatches(db, incidentId);
}

async function readyBatch(db: Db, incidentId: string, batchId: string): Promise<store.BatchRow> {
  const batch = await getBatch(db, incidentId, batchId);
  if (batch.status !== 'ready' && batch.status !== 'handed_over') throw new ConflictError(`letter batch ${batchId} is ${batch.status}${batch.status === 'rendering' ? ` (${batch.rendered} of ${batch.letters} letters rendered)` : ''}`);
  return batch;
}

/** The combined PDF, piece by piece, for streaming to the caller. */
export async function batchPdf(db: Db, incidentId: string, batchId: string): Promise<{ batch: store.BatchRow; pieces: AsyncIterable<Uint8Array> }> {
  const batch = await readyBatch(db, incidentId, batchId);
  async function* pieces() {
    for (let seq = 0; ; seq++) {
      const piece = await store.selectPart(db, batchId, seq);
      if (!piece) return;
      yield piece;
    }
  }
  return { batch, pieces: pieces() };
}

export async function batchManifest(db: Db, incidentId: string, batchId: string): Promise<{ batch: store.BatchRow; csv: string }> {
  const batch = await readyBatch(db, incidentId, batchId);
  return { batch, csv: (await store.selectManifest(db, batchId)) ?? '' };
}

/** The mail house has the batch: every letter in it is `accepted`, and the timeline says who took it and when. */
export async function handOverBatch(db: Db, incidentId: string, batchId: string, h: { takenBy: string; takenAt: Date | null }, actor: Actor, now: Date): Promise<store.BatchRow> {
  return inTransaction(db, async (tx) => {
    await getIncident(tx, incidentId);
    const batch = await store.selectBatch(tx, incidentId, batchId, true);
    if (!batch) throw new NotFoundError('letter batch', batchId);
    if (batch.status === 'handed_over') throw new ConflictError(`letter batch ${batchId} was handed over at ${batch.handed_over_at!.toISOString()} to ${batch.taken_by}`);
    if (batch.status !== 'ready') throw new ConflictError(`letter batch ${batchId} is ${batch.status}, not ready to hand over`);
    const takenAt = h.takenAt ?? now;
    if (takenAt.getTime() > now.getTime() + 5 * 60_000) throw new InvalidFactsError([{ field: 'taken_at', message: 'lies in the future' }]);
    if (takenAt < batch.ready_at!) throw new InvalidFactsError([{ field: 'taken_at', message: `is before the batch was ready (${batch.ready_at!.toISOString()})` }]);
    const letters = await store.markHandedOver(tx, batchId, { takenBy: h.takenBy, takenAt, by: actor.id, now });
    await recordEvent(tx, incidentId, 'letters.handed_over', actor, now, {
      batch_id: batchId,
      letters,
      taken_by: h.takenBy,
      taken_at: takenAt.toISOString(),
      pdf_sha256: batch.pdf_sha256,
      manifest_sha256: batch.manifest_sha256,
    });
    return (await store.selectBatch(tx, incidentId, batchId))!;
  });
}

export interface ReturnedReport {
  returned: number;
  /** Returns recorded before (sending the same list twice changes nothing). */
  already_recorded: string[];
  /** Where each returned letter's person goes next: a channel, or the announcement. */
  next: Record<string, number>;
}

/**
 * Returned mail: each letter ends `undeliverable` and its person moves to the next channel, or to the
 * announcement. Every id must be a handed-over letter of this incident, or nothing is applied.
 */
export async function recordReturnedLetters(db: Db, incidentId: string, ids: string[], actor: Actor, now: Date): Promise<ReturnedReport> {
  return inTransaction(db, async (tx) => {
    await getIncident(tx, incidentId);
    const rows = new Map((await store.selectDeliveries(tx, incidentId, ids)).map((r) => [r.id, r]));
    const problems: FieldProblem[] = [];
    ids.forEach((id, i) => {
      const row = rows.get(id);
      if (!row || row.channel !== 'letter') problems.push({ field: `delivery_ids[${i}]`, message: `${id}: no letter of this incident has this delivery id` });
      else if (row.state === 'queued') problems.push({ field: `delivery_ids[${i}]`, message: `${id}: this letter has not been handed over yet` });
    });
    if (problems.length) throw new InvalidFactsError(problems);
    const report: ReturnedReport = { returned: 0, already_recorded: [], next: {} };
    for (const id of new Set(ids)) {
      const row = rows.get(id)!;
      if (row.state === 'undeliverable' || row.state === 'failed' || row.state === 'bounced') {
        report.already_recorded.push(id);
        continue;
      }
      const next = await ledger.failAndFallBack(tx, id, 'undeliverable', 'returned_mail', now);
      report.returned++;
      report.next[next ?? 'announcement'] = (report.next[next ?? 'announcement'] ?? 0) + 1;
    }
    await recordEvent(tx, incidentId, 'letters.returned', actor, now, { returned: report.returned, delivery_ids: ids.slice(0, 1000), next: report.next, already_recorded: report.already_recorded.length });
    return report;
  });
}

export interface LobReport {
  sent: number;
  /** Letters an earlier, unconfirmed attempt had already made at Lob: found by their metadata, recorded, not sent again. */
  adopted: number;
  /** Letters Lob refused for good (e.g. an address it cannot mail to): the person moved on. */
  refused: number;
  /** Letters to try again later (rate limit, Lob unreachable or failing). */
  retry_later: number;
}

/**
 * Sends the incident's queued letters to Lob's countries (US), one request per letter. Each row is
 * `sending` before Lob is called. A letter with an earlier attempt that may have reached Lob (cut off, or
 * answered with an error) is first looked up at Lob by its metadata and adopted if Lob has it: the
 * Idempotency-Key, fixed per delivery, protects a resend for 24 hours only. The proof is the content
 * hash Lob keeps in the letter's metadata, so an adopted or replayed letter is proved by what it carries.
 */
export async function sendLettersThroughLob(d: RenderBatchDeps & { owner: string; leaseMs: number }, incidentId: string, actor: Actor): Promise<LobReport> {
  const { db } = d;
  await getIncident(db, incidentId);
  const lob = d.letters.lob;
  if (!lob) throw new ConflictError('Lob is not configured (set LOB_API_KEY)');
  const maker = d.letters.pdf;
  if (!maker) throw new ConflictError('letters are rendered by a Node process (the fonts are not available on this runtime)');
  const sender = await letterSender(db);
  const profile = (await loadProfile(db)).return_address!;
  const from: LobAddress = {
    name: profile.name,
    address_line1: profile.line1,
    address_line2: profile.line2,
    address_city: profile.city,
    address_state: profile.region,
    address_zip: profile.postal_code,
    address_country: profile.country,
  };
  const report: LobReport = { sent: 0, adopted: 0, refused: 0, retry_later: 0 };
  const started = d.now();
  const prepare = letterPreparer(db, d.letters, sender, started, d.now);
  for (;;) {
    const rows = await store.claimLobLetters(db, { incidentId, countries: [...d.letters.lobCountries], owner: d.owner, now: d.now(), leaseMs: d.leaseMs, limit: 50 });
    if (rows.length === 0) break;
    const letters = await prepare(rows);
    for (const [i, row] of rows.entries()) {
      const letter = letters[i]!;
      const { pdf, printed } = await letterPdf(maker, sender, letter, started);
      const contentHash = letterContentHash(letter, { lines: sender.lines, returnLine: sender.returnLine }, printed.paper);
      const a = row.postal_address as PostalAddress;
      let outcome: LobOutcome | null = null;
      if (row.attempts > 1) {
        const found = await lob.find(row.id, incidentId);
        if (found.kind === 'found') outcome = { outcome: 'accepted', ...found.letter };
        else if (found.kind === 'later') outcome = { outcome: 'transient', errorCode: found.errorCode };
        if (found.kind === 'found') report.adopted++;
      }
      const adopted = outcome?.outcome === 'accepted';
      outcome ??= await lob.send({
        deliveryId: row.id,
        idempotencyKey: `breachkit-letter-${row.id}`,
        to: { name: row.recipient_name ?? '', address_line1: a.line1 ?? '', address_line2: a.line2, address_city: a.city, address_state: a.region, address_zip: a.postal_code, address_country: a.country.toUpperCase() },
        from,
        pdf,
        description: `breachkit notice ${incidentId}`,
        incidentId,
        contentHash,
      });
      const now = d.now();
      if (outcome.outcome === 'accepted') {
        await ledger.markAccepted(db, [{ id: row.id, providerId: outcome.providerId, contentHash: outcome.contentHash, locale: letter.locale }], 'lob', 'accepted', now, d.owner);
        if (!adopted) report.sent++;
      } else if (outcome.outcome === 'permanent') {
        await ledger.failAndFallBack(db, row.id, 'undeliverable', outcome.errorCode, now);
        report.refused++;
      } else {
        const wait = outcome.outcome === 'rate_limited' ? (outcome.retryAfterMs ?? 60_000) : 60_000;
        await ledger.requeue(db, [row.id], { notBefore: new Date(now.getTime() + wait), errorCode: outcome.outcome === 'rate_limited' ? 'rate_limited' : outcome.errorCode, refundAttempt: outcome.outcome === 'rate_limited', now, owner: d.owner });
        report.retry_later++;
      }
    }
    // Rows put back for later are not retried in this call.
    if (report.retry_later > 0) break;
  }
  await recordEvent(db, incidentId, 'letters.sent_through_lob', actor, d.now(), { ...report });
  return report;
}
