// Notice versions: drafted content frozen with hashes of every rendering, approved by a second person.
import type { Db } from '../db/client.js';
import { inTransaction } from '../db/client.js';
import { ConflictError, InvalidFactsError, NotAllowedError, NotFoundError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../lib/hash.js';
import { newId } from '../lib/ids.js';
import { getIncident, recordEvent, type Actor, type Incident } from '../incidents/service.js';
import type { InappMode, NoticeContent } from './content.js';
import { noticeChannels, RenderRefusedError, type NoticeRenderer, type RecipientView, type RenderedNotice, type NoticeChannel } from './renderer.js';
import * as store from './store.js';

export type { NoticeVersionRow } from './store.js';

/** The recipient every frozen rendering is hashed with, so the hashes depend on content and templates only. */
export const canonicalRecipient: RecipientView = { name: 'Alex Example', isGuardian: false, locale: null };

export interface RenderContext {
  renderer: NoticeRenderer;
  publicNoticeUrl: string;
  /** A stand-in for a person's notice-page link, as long as a real one (see notice-pages/link.ts). */
  noticePageUrl?: string;
}

function render(ctx: RenderContext, incident: Incident, channel: NoticeChannel, locale: string | null, content: NoticeContent, recipient: RecipientView | null): RenderedNotice {
  try {
    return ctx.renderer.render({
      channel,
      locale,
      content,
      recipient: channel === 'announcement' ? null : recipient,
      links: { publicNotice: ctx.publicNoticeUrl, noticePage: ctx.noticePageUrl },
      incident: { title: incident.title, discoveredAt: incident.discovered_at },
    });
  } catch (err) {
    if (err instanceof RenderRefusedError) {
      throw new InvalidFactsError([{ field: err.field, message: `${err.channel}/${err.locale}: ${err.message}` }]);
    }
    throw err;
  }
}

export async function previewNotice(
  db: Db,
  ctx: RenderContext,
  incidentId: string,
  input: { content: NoticeContent; channel: NoticeChannel; locale: string | null; recipient: RecipientView | null },
): Promise<RenderedNotice> {
  const incident = await getIncident(db, incidentId);
  return render(ctx, incident, input.channel, input.locale, input.content, input.recipient ?? canonicalRecipient);
}

/**
 * Freezes content as the next version: the content and every channel × language rendering get hashes.
 * `inapp` (how in-app notices go out) is frozen with it and recorded on the timeline.
 */
export async function freezeNotice(db: Db, ctx: RenderContext, incidentId: string, content: NoticeContent, actor: Actor, now: Date, inapp: InappMode = 'in_order'): Promise<store.NoticeVersionRow> {
  const incident = await getIncident(db, incidentId);
  const renderedHashes: Record<string, string> = {};
  for (const channel of noticeChannels) {
    for (const locale of ctx.renderer.locales) {
      const out = render(ctx, incident, channel, locale, content, canonicalRecipient);
      renderedHashes[`${channel}/${locale}`] = sha256Hex(canonicalJson(out));
    }
  }
  return inTransaction(db, async (tx) => {
    await tx`select 1 from incidents where id = ${incidentId} for update`;
    const version = (await store.latestVersionNumber(tx, incidentId)) + 1;
    const row: store.NoticeVersionRow = {
      id: newId('ntc', now),
      incident_id: incidentId,
      version,
      content,
      content_hash: sha256Hex(canonicalJson(content)),
      templates_hash: ctx.renderer.templatesHash,
      rendered_hashes: renderedHashes,
      status: 'awaiting_approval',
      inapp,
      drafted_by: actor.id,
      drafted_by_name: actor.name,
      drafted_at: now,
      approved_by: null,
      approved_by_name: null,
      approved_at: null,
    };
    await store.insertVersion(tx, row);
    await recordEvent(tx, incidentId, 'notice.frozen', actor, now, {
      version,
      content_hash: row.content_hash,
      templates_hash: row.templates_hash,
      rendered_hashes: renderedHashes,
      inapp,
    });
    return row;
  });
}

/** Whether two actors are the same person: the same key, or keys held under the same name. */
export const sameHolder = (a: { id: string; name: string }, b: { id: string | null; name: string | null }) =>
  a.id === b.id || a.name.trim().toLowerCase() === (b.name ?? '').trim().toLowerCase();

/** Four eyes: the approver is neither the drafter's key nor a key held under the drafter's name. */
export async function approveNotice(db: Db, incidentId: string, version: number, actor: Actor, now: Date, currentTemplatesHash: string): Promise<store.NoticeVersionRow> {
  return inTransaction(db, async (tx) => {
    await getIncident(tx, incidentId);
    const row = await store.selectVersion(tx, incidentId, version, true);
    if (!row) throw new NotFoundError('notice version', `${incidentId}/${version}`);
    if (row.status === 'approved') throw new ConflictError(`version ${version} is already approved`);
    if (sameHolder(actor, { id: row.drafted_by, name: row.drafted_by_name })) {
      throw new NotAllowedError('the person who froze this version cannot approve it; a second person must');
    }
    if (row.templates_hash !== currentTemplatesHash) {
      throw new ConflictError('the templates changed since this version was frozen; freeze a new version and approve that');
    }
    await store.markApproved(tx, row.id, actor, now);
    await recordEvent(tx, incidentId, 'notice.approved', actor, now, { version, content_hash: row.content_hash });
    return { ...row, status: 'approved', approved_by: actor.id, approved_by_name: actor.name, approved_at: now };
  });
}

export async function listNotices(db: Db, incidentId: string): Promise<store.NoticeVersionRow[]> {
  await getIncident(db, incidentId);
  return store.selectVersions(db, incidentId);
}

export async function getNotice(db: Db, incidentId: string, version: number): Promise<store.NoticeVersionRow> {
  const row = await store.selectVersion(db, incidentId, version);
  if (!row) throw new NotFoundError('notice version', `${incidentId}/${version}`);
  return row;
}

/** The newest approved version: the only kind that may be sent. */
export async function latestApprovedNotice(db: Db, incidentId: string): Promise<store.NoticeVersionRow | undefined> {
  return store.selectLatestApproved(db, incidentId);
}
