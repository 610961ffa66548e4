// Announcements: the public notice where individual notice is impractical, with updates in every language.
import type { Db } from '../db/client.js';
import { inTransaction } from '../db/client.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { randomToken } from '../lib/hash.js';
import { newId } from '../lib/ids.js';
import { getIncident, recordEvent, type Actor } from '../incidents/service.js';
import * as store from './store.js';

export type { AnnouncementRow, UpdateRow, Impact, UpdateStatus, Localized } from './store.js';

export interface AnnouncementView {
  announcement: store.AnnouncementRow;
  updates: store.UpdateRow[];
}

/** Creates the announcement as a draft: nothing is public until it is published. */
export async function draftAnnouncement(
  db: Db,
  incidentId: string,
  input: { impact: store.Impact; title: store.Localized; body: store.Localized; status: store.UpdateStatus },
  actor: Actor,
  now: Date,
): Promise<AnnouncementView> {
  return inTransaction(db, async (tx) => {
    await getIncident(tx, incidentId);
    if (await store.selectByIncident(tx, incidentId, true)) throw new ConflictError('this incident already has an announcement; add an update to it');
    const announcement: store.AnnouncementRow = {
      id: newId('ann', now),
      incident_id: incidentId,
      // The public address must not be guessable from the incident or a counter.
      slug: randomToken(12).toLowerCase().replace(/[^a-z0-9]/g, 'x'),
      impact: input.impact,
      title: input.title,
      created_at: now,
      created_by: actor.id,
      published_at: null,
    };
    const update: store.UpdateRow = { id: newId('upd', now), announcement_id: announcement.id, seq: 1, status: input.status, body: input.body, created_at: now, created_by: actor.id, published_at: null };
    await store.insertAnnouncement(tx, announcement);
    await store.insertUpdate(tx, update);
    await recordEvent(tx, incidentId, 'announcement.drafted', actor, now, { announcement_id: announcement.id, status: input.status, impact: input.impact });
    return { announcement, updates: [update] };
  });
}

export async function publishAnnouncement(db: Db, incidentId: string, actor: Actor, now: Date): Promise<AnnouncementView> {
  return inTransaction(db, async (tx) => {
    const announcement = await store.selectByIncident(tx, incidentId, true);
    if (!announcement) throw new NotFoundError('announcement of incident', incidentId);
    const published = await store.publishAll(tx, announcement.id, now);
    if (published === 0 && announcement.published_at) throw new ConflictError('nothing new to publish');
    await store.bumpPublicVersion(tx, now);
    await recordEvent(tx, incidentId, 'announcement.published', actor, now, { announcement_id: announcement.id, slug: announcement.slug, updates_published: published });
    return { announcement: { ...announcement, published_at: announcement.published_at ?? now }, updates: await store.selectUpdates(tx, announcement.id) };
  });
}

/** Appends an update; it goes public at once unless it is kept as a draft. */
export async function addUpdate(
  db: Db,
  incidentId: string,
  input: { status: store.UpdateStatus; body: store.Localized; draft: boolean },
  actor: Actor,
  now: Date,
): Promise<AnnouncementView> {
  return inTransaction(db, async (tx) => {
    const announcement = await store.selectByIncident(tx, incidentId, true);
    if (!announcement) throw new NotFoundError('announcement of incident', incidentId);
    const updates = await store.selectUpdates(tx, announcement.id);
    const live = !input.draft && announcement.published_at !== null;
    const update: store.UpdateRow = {
      id: newId('upd', now),
      announcement_id: announcement.id,
      seq: updates.length + 1,
      status: input.status,
      body: input.body,
      created_at: now,
      created_by: actor.id,
      published_at: live ? now : null,
    };
    await store.insertUpdate(tx, update);
    if (live) await store.bumpPublicVersion(tx, now);
    await recordEvent(tx, incidentId, live ? 'announcement.updated' : 'announcement.update_drafted', actor, now, { announcement_id: announcement.id, seq: update.seq, status: update.status });
    return { announcement, updates: [...updates, update] };
  });
}

export async function getAnnouncement(db: Db, incidentId: string): Promise<AnnouncementView> {
  const announcement = await store.selectByIncident(db, incidentId);
  if (!announcement) throw new NotFoundError('announcement of incident', incidentId);
  return { announcement, updates: await store.selectUpdates(db, announcement.id) };
}

export async function hasPublishedAnnouncement(db: Db, incidentId: string): Promise<boolean> {
  const a = await store.selectByIncident(db, incidentId);
  return a?.published_at != null;
}

export const publishedContent = store.selectPublished;
export const publicVersion = store.publicVersion;
