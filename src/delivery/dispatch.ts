// The fan-out worker: claim ready deliveries, render each notice for its recipient, hand them to the provider, record the outcome.
import type { Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import { sha256Hex } from '../lib/hash.js';
import type { Logger } from '../lib/logger.js';
import type { NoticeContent } from '../notices/content.js';
import type { NoticeRenderer, RenderedNotice, RenderInput } from '../notices/renderer.js';
import * as ledger from './ledger.js';
import { issueNoticeLinks } from '../notice-pages/service.js';
import { standInPageUrl, withPageLink } from '../notice-pages/link.js';
import { retryDelayMs, type BackoffPolicy, type Pacer } from './pacing.js';
import type { DeliveryProvider, LookupRequest, OutgoingMessage, SendOutcome } from './providers/types.js';
import { providerFor } from './providers/select.js';
import { contentHashOfRendering, fillSlot, namedContentHash } from './providers/email-batch.js';
import { settleFromStoredEvents } from './events.js';
import { recordEvent } from '../incidents/service.js';

export interface DispatchDeps {
  db: Db;
  renderer: NoticeRenderer;
  providers: Record<ledger.WorkerChannel, DeliveryProvider>;
  clock: Clock;
  logger: Logger;
  owner: string;
  batchSize: number;
  leaseMs: number;
  backoff: BackoffPolicy;
  publicNoticeUrl: string;
  /** Where notice-page links point (PUBLIC_BASE_URL); without it, the public notice's origin. */
  noticePageBaseUrl?: string;
  /** Per channel: SMS pay one token per segment, other channels one per message. */
  buckets: Partial<Record<ledger.WorkerChannel, Pacer>>;
  /** This worker's place in the queue between passes; without it every claim starts at the head. */
  claimCursor?: ClaimPosition;
  /**
   * A send nobody can confirm (lease expired, no provider event, no look-up) is settled this long after
   * its lease ran out, by `unknownOutcome`: `resend` sends it again, `hold` leaves it `unknown` for a person.
   */
  unknownGraceMs: number;
  unknownOutcome: 'resend' | 'hold';
  /** How long a provider account's "no look-up here" answer is trusted before asking again. */
  lookupUnavailableTtlMs?: number;
  /** SHA-256 to hex for the proofs; the host's native one where it has one (hashing each named person's email is most of a pass's CPU). */
  sha256Hex?: (text: string) => string;
}

/**
 * A worker's place in the claim order. It goes back to the head whenever a claim comes back short (the
 * end of what is ready) and at least every `restartMs`, so a row that lands behind it (a clock a little
 * behind on another machine) waits at most that long.
 */
export interface ClaimPosition {
  after: ledger.ClaimCursor | null;
  since: number;
  restartMs: number;
}

export const newClaimPosition = (restartMs = 10_000): ClaimPosition => ({ after: null, since: 0, restartMs });

export interface DispatchTally {
  claimed: number;
  accepted: number;
  captured: number;
  retried: number;
  rateLimited: number;
  fellBack: number;
  exhausted: number;
}

interface NoticeFacts {
  content: NoticeContent;
  title: string;
  discoveredAt: Date;
}

const noticeCache = new Map<string, NoticeFacts>();

async function noticeFacts(db: Db, noticeVersionId: string): Promise<NoticeFacts> {
  const cached = noticeCache.get(noticeVersionId);
  if (cached) return cached;
  const [row] = await db<{ content: NoticeContent; title: string; discovered_at: Date }[]>`
    select n.content, i.title, i.discovered_at from notice_versions n join incidents i on i.id = n.incident_id
    where n.id = ${noticeVersionId} and n.status = 'approved'`;
  if (!row) throw new Error(`notice version ${noticeVersionId} is not approved`);
  const facts = { content: row.content, title: row.title, discoveredAt: row.discovered_at };
  noticeCache.set(noticeVersionId, facts);
  return facts;
}

/**
 * The content hash of a rendering, computed once per distinct content in a pass: recipients without a
 * personal greeting share the renderer's very same strings, so the lookups are cheap and most of the
 * hashing (the bulk of a large email batch's CPU) is skipped.
 */
function contentHashOf(cache: Map<string, Map<string, Map<string, string>>>, rendered: RenderedNotice, hashText: (text: string) => string = sha256Hex): string {
  const head = `${rendered.channel}\u0000${rendered.locale}\u0000${rendered.subject ?? ''}\u0000${rendered.sms?.parts ?? ''}`;
  let byHtml = cache.get(rendered.html ?? '');
  if (!byHtml) cache.set(rendered.html ?? '', (byHtml = new Map()));
  let byText = byHtml.get(rendered.text ?? '');
  if (!byText) byHtml.set(rendered.text ?? '', (byText = new Map()));
  let hash = byText.get(head);
  if (hash === undefined) byText.set(head, (hash = contentHashOfRendering(rendered, hashText)));
  return hash;
}

/** Channels whose notices carry the person's own notice-page link. */
const channelsWithPageLink = new Set<string>(['sms', 'inapp', 'letter']);

/** Where a channel reaches the person: email address, phone number, or (in-app) their id in the company's directory. */
const addressOf = (row: ledger.ClaimedDelivery): string | null => (row.channel === 'email' ? row.email : row.channel === 'inapp' ? row.external_id : row.phone);

const costOf = (m: OutgoingMessage) => (m.channel === 'sms' ? (m.rendered.sms?.parts ?? 1) : 1);

export interface ReconcileTally {
  /** Settled from provider events already stored. */
  fromEvents: number;
  /** Found by the provider's look-up: sent before the worker died. */
  found: number;
  /** The provider's look-up has no record of them: queued again. */
  requeued: number;
  /** Grace period over, sent again by the `resend` rule. */
  resent: number;
  /** Grace period over, held as `unknown` by the `hold` rule. */
  held: number;
  /** Still within the grace period and not settled: checked again later. */
  undecided: number;
}

/** Undecided rows are looked at again at most this often (and once more when their grace period ends). */
const recheckMs = 15_000;
const defaultLookupUnavailableTtlMs = 6 * 3_600_000;

type RenderableRow = { notice_version_id: string; channel: ledger.DeliveryChannel; locale: string | null; recipient_name: string | null; recipient: 'self' | 'guardian'; subject_name: string | null };

async function renderInputFor(d: DispatchDeps, row: RenderableRow, noticePage?: string): Promise<RenderInput> {
  const facts = await noticeFacts(d.db, row.notice_version_id);
  return {
    channel: row.channel,
    locale: row.locale,
    content: facts.content,
    recipient: { name: row.recipient_name, isGuardian: row.recipient === 'guardian', locale: row.locale, subjectName: row.subject_name },
    links: { publicNotice: d.publicNoticeUrl, noticePage },
    incident: { title: facts.title, discoveredAt: facts.discoveredAt },
  };
}

/** The rendering of a ledger row for its recipient: the same every time for the same row. */
async function renderFor(d: DispatchDeps, row: RenderableRow, noticePage?: string): Promise<RenderedNotice> {
  return d.renderer.render(await renderInputFor(d, row, noticePage));
}

/** The row's shared email rendering and the name that fills it, where the renderer offers one; its text equals `renderFor`'s. */
async function renderSharedFor(d: DispatchDeps, row: RenderableRow) {
  return d.renderer.renderShared ? d.renderer.renderShared(await renderInputFor(d, row)) : null;
}

/**
 * Rows left in `sending` by a worker that vanished: their outcome is unknown, and settled by a rule, never
 * by asking forever. First from the provider events already stored (they carry the delivery id); then by
 * the provider's look-up where its account offers one (one question for many rows; an account without it
 * is remembered, not asked on every pass); and once `unknownGraceMs` has passed since the lease ran out, by
 * the configured rule: `resend` queues it again (both attempts stay in the proof), `hold` moves it to
 * `unknown` for a person to settle. Each row is taken over first, so two reconcilers never both decide
 * about it and nobody claims it meanwhile.
 */
export async function reconcileExpired(d: DispatchDeps, limit = 200): Promise<ReconcileTally> {
  const tally: ReconcileTally = { fromEvents: 0, found: 0, requeued: 0, resent: 0, held: 0, undecided: 0 };
  const now = d.clock.now();
  const rows = await ledger.takeExpiredLeases(d.db, { owner: d.owner, now, holdMs: d.leaseMs, limit });
  if (rows.length === 0) return tally;
  const proofs = new Map<string, { contentHash: string | null; locale: string; text: string | null }>();
  const hashes = new Map<string, Map<string, Map<string, string>>>();
  // The person's own page link is stored only as a hash: notices that carry it are rendered with the
  // stand-in in its place for the provider's look-up (which matches any link of that shape there), and
  // their proof is the one recorded before the send (none: the attempt ended before anything left).
  const standIn = standInPageUrl(d.noticePageBaseUrl ?? new URL(d.publicNoticeUrl).origin);
  for (const row of rows) {
    const linked = channelsWithPageLink.has(row.channel);
    const rendered = await renderFor(d, row, linked ? standIn : undefined);
    proofs.set(row.id, { contentHash: linked ? row.content_hash : contentHashOf(hashes, rendered, d.sha256Hex), locale: rendered.locale, text: rendered.text ?? null });
  }

  const fromEvents = new Set(await settleFromStoredEvents(d.db, rows.map((r) => r.id), d.owner, now, (id) => proofs.get(id)));
  tally.fromEvents = fromEvents.size;
  let open = rows.filter((r) => !fromEvents.has(r.id));
  await ledger.recordUnconfirmed(d.db, rows.filter((r) => fromEvents.has(r.id)), { resolution: 'events', settledBy: 'reconciler', reason: 'provider events stored before the lease ran out', settledAt: now });

  // One look-up per provider for all its rows, where the account offers one.
  const byProvider = new Map<DeliveryProvider, ledger.ExpiredRow[]>();
  for (const row of open) {
    const provider = providerFor(d.providers, row.channel, row, d.logger);
    if (provider.capture || !provider.lookup) continue;
    byProvider.set(provider, [...(byProvider.get(provider) ?? []), row]);
  }
  const settled = new Set<string>();
  for (const [provider, asked] of byProvider) {
    const account = provider.account ?? provider.name;
    const known = await ledger.lookupAvailability(d.db, account, now);
    if (known && !known.available) continue;
    const requests: LookupRequest[] = [];
    for (const r of asked) {
      const to = r.channel === 'email' ? r.email : r.phone;
      if (to) requests.push({ deliveryId: r.id, channel: r.channel, to, since: r.claimed_at, text: proofs.get(r.id)!.text, ...(channelsWithPageLink.has(r.channel) ? { pageLinkStandIn: standIn } : {}) });
    }
    if (requests.length === 0) continue;
    let answer: Awaited<ReturnType<NonNullable<DeliveryProvider['lookup']>>>;
    try {
      answer = await provider.lookup!(requests);
    } catch (err) {
      answer = { kind: 'later', detail: String(err) };
    }
    if (answer.kind === 'unavailable') {
      const recheckAfter = new Date(now.getTime() + (d.lookupUnavailableTtlMs ?? defaultLookupUnavailableTtlMs));
      await ledger.rememberLookupAvailability(d.db, account, { available: false, detail: answer.detail, now, recheckAfter });
      d.logger.info({ provider: provider.name, detail: answer.detail, until: recheckAfter }, 'this provider account offers no message look-up; interrupted sends are settled from its events and by the unknown-outcome rule');
      continue;
    }
    if (answer.kind === 'later') {
      d.logger.warn({ provider: provider.name, detail: answer.detail, rows: requests.length }, 'provider look-up not answered; the rows are checked again later');
      continue;
    }
    const found = requests.filter((r) => answer.found.has(r.deliveryId));
    const missing = requests.filter((r) => !answer.found.has(r.deliveryId));
    await ledger.markAccepted(d.db, found.map((r) => ({ id: r.deliveryId, providerId: answer.found.get(r.deliveryId) ?? null, ...proofs.get(r.deliveryId)! })), provider.name, 'accepted', now, d.owner);
    await ledger.requeue(d.db, missing.map((r) => r.deliveryId), { notBefore: now, errorCode: 'lease_expired_not_sent', refundAttempt: false, now, owner: d.owner });
    const rowOf = new Map(asked.map((r) => [r.id, r]));
    await ledger.recordUnconfirmed(d.db, found.map((r) => rowOf.get(r.deliveryId)!), { resolution: 'lookup', settledBy: 'reconciler', reason: 'found by the provider look-up', settledAt: now });
    await ledger.recordUnconfirmed(d.db, missing.map((r) => rowOf.get(r.deliveryId)!), { resolution: 'resent', settledBy: 'reconciler', reason: 'the provider look-up has no record of it', settledAt: now });
    for (const r of requests) settled.add(r.deliveryId);
    tally.found += found.length;
    tally.requeued += missing.length;
  }
  open = open.filter((r) => !settled.has(r.id));

  // The rule, once the grace period is over; before then the row waits and is checked again.
  const due = open.filter((r) => now.getTime() >= r.lease_expired_at.getTime() + d.unknownGraceMs);
  const waiting = open.filter((r) => now.getTime() < r.lease_expired_at.getTime() + d.unknownGraceMs);
  if (d.unknownOutcome === 'resend') {
    await ledger.requeue(d.db, due.map((r) => r.id), { notBefore: now, errorCode: 'outcome_unknown_resent', refundAttempt: false, now, owner: d.owner });
    await ledger.recordUnconfirmed(d.db, due, { resolution: 'resent', settledBy: 'rule: DELIVERY_UNKNOWN_OUTCOME=resend', reason: 'no provider event or look-up answer within the grace period', settledAt: now });
    tally.resent = due.length;
  } else {
    const held = new Set(await ledger.holdUnknown(d.db, due.map((r) => r.id), { owner: d.owner, now }));
    await ledger.recordUnconfirmed(d.db, due.filter((r) => held.has(r.id)), { resolution: 'held', settledBy: 'rule: DELIVERY_UNKNOWN_OUTCOME=hold', reason: 'no provider event or look-up answer within the grace period', settledAt: null });
    tally.held = held.size;
  }
  await ledger.releaseUndecided(d.db, waiting.map((r) => r.id), { owner: d.owner, recheckAt: new Date(now.getTime() + Math.min(recheckMs, d.leaseMs)), graceMs: d.unknownGraceMs });
  tally.undecided = waiting.length;
  return tally;
}

const workerActor = { id: 'system', name: 'delivery worker' };

/** Marks runs with nothing left to do as `completed`, each on its incident's timeline. */
export async function completeFinishedRuns(d: DispatchDeps): Promise<number> {
  const now = d.clock.now();
  const done = await ledger.completeFinishedRuns(d.db);
  for (const run of done) await recordEvent(d.db, run.incident_id, 'delivery.completed', workerActor, now, { run_id: run.id, planned: run.planned });
  return done.length;
}

/** One pass: claim up to `batchSize` rows and settle every one of them. */
export async function dispatchOnce(d: DispatchDeps): Promise<DispatchTally> {
  return sendClaimed(d, await claim(d));
}

/**
 * Claims these rows (those still queued and ready; a row already sent or being sent is left alone) and
 * settles them: how a Queue message's ids are sent, with the same bookkeeping as a pass.
 */
export async function dispatchIds(d: DispatchDeps, ids: readonly string[]): Promise<DispatchTally> {
  if (ids.length === 0) return sendClaimed(d, []);
  return sendClaimed(d, await ledger.claimDeliveries(d.db, { owner: d.owner, limit: ids.length, leaseMs: d.leaseMs, now: d.clock.now(), ids }));
}

async function sendClaimed(d: DispatchDeps, claimed: ledger.ClaimedDelivery[]): Promise<DispatchTally> {
  const tally: DispatchTally = { claimed: 0, accepted: 0, captured: 0, retried: 0, rateLimited: 0, fellBack: 0, exhausted: 0 };
  tally.claimed = claimed.length;
  if (claimed.length === 0) return tally;

  const byProvider = new Map<DeliveryProvider, OutgoingMessage[]>();
  const attemptsOf = new Map<string, number>();
  const hashes = new Map<string, Map<string, Map<string, string>>>();
  const pageBase = d.noticePageBaseUrl ?? new URL(d.publicNoticeUrl).origin;
  const placeholder = standInPageUrl(pageBase);
  const linked = claimed.filter((r) => channelsWithPageLink.has(r.channel));
  const pageLinks = linked.length ? await issueNoticeLinks(d.db, linked.map((r) => r.id), pageBase, d.clock.now()) : new Map<string, string>();
  for (const [i, row] of claimed.entries()) {
    // Rendering a large claim is CPU work without a wait in it: let other passes' answers in now and then,
    // so a provider's reply is not left unread until its request's time limit runs out.
    if (i > 0 && i % yieldEvery === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    const noticeUrl = pageLinks.get(row.id);
    attemptsOf.set(row.id, row.attempts);
    const provider = providerFor(d.providers, row.channel, row, d.logger);
    const list = byProvider.get(provider) ?? [];
    // Email shares one rendering among everyone whose notice differs only by the name; each person's own
    // text (and its hash, the proof) is that rendering with their name in place.
    const shared = row.channel === 'email' ? await renderSharedFor(d, row) : null;
    if (shared) {
      const { shared: rendering, name } = shared;
      const contentHash = name === null ? contentHashOf(hashes, rendering.rendered, d.sha256Hex) : namedContentHash(rendering, name, d.sha256Hex);
      // The person's finished text is made only when something reads it (a request of their own), not
      // held for the whole pass: a pass keeps the shared rendering and a name per person.
      list.push({
        deliveryId: row.id,
        channel: row.channel,
        to: addressOf(row) ?? '',
        get rendered() {
          return fillSlot(rendering, name);
        },
        contentHash,
        shared: { rendering, name },
      });
    } else {
      // Rendered once with a stand-in link of the same length (shared by every recipient), then given the person's own.
      const rendered = withPageLink(await renderFor(d, row, placeholder), placeholder, noticeUrl);
      list.push({ deliveryId: row.id, channel: row.channel, to: addressOf(row) ?? '', noticeUrl, rendered, contentHash: contentHashOf(hashes, rendered, d.sha256Hex) });
    }
    byProvider.set(provider, list);
  }
  // A notice carrying the person's own link cannot be rendered again later (the link is kept only as a
  // hash): its proof is recorded now, before it leaves, and reconciliation keeps it.
  const linkedProofs = [...byProvider.values()].flat().filter((m) => m.noticeUrl !== undefined);
  await ledger.recordProofBeforeSend(d.db, linkedProofs.map((m) => ({ id: m.deliveryId, contentHash: m.contentHash, locale: m.rendered.locale })), d.owner);

  // Providers answer independently: email does not wait for SMS in the same pass, nor the other way round.
  await Promise.all([...byProvider].map(([provider, messages]) => sendThrough(d, provider, messages, attemptsOf, tally)));
  return tally;
}

async function sendThrough(d: DispatchDeps, provider: DeliveryProvider, messages: OutgoingMessage[], attemptsOf: Map<string, number>, tally: DispatchTally): Promise<void> {
  const channel = provider.channel;
  const bucket = provider.capture ? undefined : d.buckets[channel as ledger.WorkerChannel];
  const sent = new Map(messages.map((m) => [m.deliveryId, m]));
  // Outcomes are recorded in chunks while later requests are still out: a long SMS batch shows progress,
  // and a crash leaves in `sending` only what was really in flight.
  let answered: SendOutcome[] = [];
  let recording: Promise<void> = Promise.resolve();
  const record = (force: boolean) => {
    if (answered.length === 0 || (!force && answered.length < settleChunk)) return;
    const chunk = answered;
    answered = [];
    recording = recording.then(() => settle(d, provider, sent, chunk, attemptsOf, tally));
    // Sends go on meanwhile; a failure surfaces at the final await below, not as an unhandled rejection.
    recording.catch(() => {});
  };
  const heard = new Set<string>();
  const hooks = {
    beforeRequest: bucket ? (batch: OutgoingMessage[]) => bucket.acquire(batch.reduce((n, m) => n + costOf(m), 0)) : undefined,
    onOutcomes: (outcomes: SendOutcome[]) => {
      for (const o of outcomes) {
        if (!sent.has(o.deliveryId) || heard.has(o.deliveryId)) continue;
        heard.add(o.deliveryId);
        answered.push(o);
      }
      record(false);
    },
  };
  const batches: OutgoingMessage[][] = [];
  for (let i = 0; i < messages.length; i += provider.maxBatch) batches.push(messages.slice(i, i + provider.maxBatch));
  // Every provider bounds its own requests in flight, so the batches go out together: a slow answer in one
  // batch holds only its own rows, never the batches after it.
  await Promise.all(
    batches.map(async (batch) => {
      try {
        // Providers report as they go; what one returns without having reported is recorded too.
        hooks.onOutcomes(await provider.send(batch, hooks));
      } catch (err) {
        d.logger.warn({ err, channel, provider: provider.name }, 'provider call failed; the unanswered part of the batch will be retried');
        hooks.onOutcomes(batch.filter((m) => !heard.has(m.deliveryId)).map((m) => ({ deliveryId: m.deliveryId, outcome: 'transient' as const, errorCode: 'provider_error' })));
      }
    }),
  );
  record(true);
  await recording;
}

/** Outcomes recorded per statement while a large send goes on. */
const settleChunk = 250;
/** Rows rendered between two turns of the event loop. */
const yieldEvery = 100;

async function claim(d: DispatchDeps): Promise<ledger.ClaimedDelivery[]> {
  const now = d.clock.now();
  const position = d.claimCursor;
  const take = (after: ledger.ClaimCursor | null) => ledger.claimDeliveries(d.db, { owner: d.owner, limit: d.batchSize, leaseMs: d.leaseMs, now, after });
  if (!position) return take(null);
  if (position.after && now.getTime() - position.since >= position.restartMs) position.after = null;
  let from = position.after;
  let rows = await take(from);
  if (rows.length === 0 && from) rows = await take((from = null));
  if (rows.length < d.batchSize) {
    position.after = null;
    return rows;
  }
  let last = rows[0]!;
  for (const r of rows) if (r.not_before.getTime() > last.not_before.getTime() || (r.not_before.getTime() === last.not_before.getTime() && BigInt(r.id) > BigInt(last.id))) last = r;
  if (from === null) position.since = now.getTime();
  position.after = { notBefore: last.not_before, id: last.id };
  return rows;
}

async function settle(d: DispatchDeps, provider: DeliveryProvider, sent: Map<string, OutgoingMessage>, outcomes: SendOutcome[], attemptsOf: Map<string, number>, tally: DispatchTally): Promise<void> {
  const now = d.clock.now();
  const proof = (id: string) => {
    const m = sent.get(id)!;
    return { contentHash: m.contentHash, locale: (m.shared?.rendering.rendered ?? m.rendered).locale };
  };
  const accepted = outcomes.filter((o): o is Extract<SendOutcome, { outcome: 'accepted' }> => o.outcome === 'accepted');
  const captured = outcomes.filter((o) => o.outcome === 'captured');
  await ledger.markAccepted(d.db, accepted.map((o) => ({ id: o.deliveryId, providerId: o.providerId, ...proof(o.deliveryId) })), provider.name, 'accepted', now);
  await ledger.markAccepted(d.db, captured.map((o) => ({ id: o.deliveryId, providerId: null, ...proof(o.deliveryId) })), provider.name, 'captured', now);
  tally.accepted += accepted.length;
  tally.captured += captured.length;

  const limited = outcomes.filter((o): o is Extract<SendOutcome, { outcome: 'rate_limited' }> => o.outcome === 'rate_limited');
  if (limited.length) {
    const wait = Math.max(1000, ...limited.map((o) => o.retryAfterMs ?? 0));
    await ledger.requeue(d.db, limited.map((o) => o.deliveryId), { notBefore: new Date(now.getTime() + wait), errorCode: 'rate_limited', refundAttempt: true, now, owner: d.owner });
    tally.rateLimited += limited.length;
  }
  for (const o of outcomes) {
    if (o.outcome === 'transient') {
      const attempts = attemptsOf.get(o.deliveryId) ?? 1;
      if (attempts >= d.backoff.maxAttempts) {
        await ledger.failAndFallBack(d.db, o.deliveryId, 'failed', `retries_exhausted:${o.errorCode}`, now);
        tally.exhausted++;
      } else {
        await ledger.requeue(d.db, [o.deliveryId], { notBefore: new Date(now.getTime() + retryDelayMs(attempts, d.backoff)), errorCode: o.errorCode, refundAttempt: false, now, owner: d.owner });
        tally.retried++;
      }
    } else if (o.outcome === 'permanent') {
      const next = await ledger.failAndFallBack(d.db, o.deliveryId, 'undeliverable', o.errorCode, now);
      if (next) tally.fellBack++;
    }
  }
}
