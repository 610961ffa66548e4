// SQL for console sessions and OpenID Connect logins in flight.
import type { Db } from '../db/client.js';
import type { Role } from '../http/context.js';

export interface SessionRow {
  id_hash: string;
  key_id: string | null;
  actor_id: string;
  name: string;
  role: Role;
  method: 'api_key' | 'oidc';
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  /** When the session's API key was revoked (null while it is active, and for single sign-on). */
  key_revoked_at: Date | null;
}

export async function insertSession(db: Db, s: Omit<SessionRow, 'key_revoked_at'>): Promise<void> {
  await db`
    insert into console_sessions (id_hash, key_id, actor_id, name, role, method, created_at, last_seen_at, expires_at)
    values (${s.id_hash}, ${s.key_id}, ${s.actor_id}, ${s.name}, ${s.role}, ${s.method}, ${s.created_at}, ${s.last_seen_at}, ${s.expires_at})`;
}

export async function selectSession(db: Db, idHash: string): Promise<SessionRow | undefined> {
  const [row] = await db<SessionRow[]>`
    select s.id_hash, s.key_id, s.actor_id, s.name, s.role, s.method, s.created_at, s.last_seen_at, s.expires_at, k.revoked_at as key_revoked_at
    from console_sessions s left join api_keys k on k.id = s.key_id
    where s.id_hash = ${idHash}`;
  return row;
}

export async function touchSession(db: Db, idHash: string, at: Date): Promise<void> {
  await db`update console_sessions set last_seen_at = ${at} where id_hash = ${idHash} and last_seen_at < ${at}`;
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db`delete from console_sessions where id_hash = ${idHash}`;
}

/** Removes sessions past their absolute or idle end, and logins never completed. */
export async function deleteExpired(db: Db, now: Date, idleBefore: Date, loginsBefore: Date): Promise<void> {
  await db`delete from console_sessions where expires_at <= ${now} or last_seen_at <= ${idleBefore}`;
  await db`delete from console_oidc_logins where created_at <= ${loginsBefore}`;
}

export interface LoginRow {
  id_hash: string;
  state: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
  created_at: Date;
}

export async function insertLogin(db: Db, l: LoginRow): Promise<void> {
  await db`
    insert into console_oidc_logins (id_hash, state, nonce, code_verifier, return_to, created_at)
    values (${l.id_hash}, ${l.state}, ${l.nonce}, ${l.code_verifier}, ${l.return_to}, ${l.created_at})`;
}

/** Takes a login out: each can be completed once. */
export async function takeLogin(db: Db, idHash: string): Promise<LoginRow | undefined> {
  const [row] = await db<LoginRow[]>`delete from console_oidc_logins where id_hash = ${idHash} returning id_hash, state, nonce, code_verifier, return_to, created_at`;
  return row;
}

export async function selectDraft(db: Db, incidentId: string, actorId: string): Promise<Record<string, string> | undefined> {
  const [row] = await db<{ fields: Record<string, string> }[]>`select fields from console_notice_drafts where incident_id = ${incidentId} and actor_id = ${actorId}`;
  return row?.fields;
}

export async function upsertDraft(db: Db, incidentId: string, actorId: string, fields: Record<string, string>, at: Date): Promise<void> {
  await db`
    insert into console_notice_drafts (incident_id, actor_id, fields, updated_at) values (${incidentId}, ${actorId}, ${db.json(fields)}, ${at})
    on conflict (incident_id, actor_id) do update set fields = excluded.fields, updated_at = excluded.updated_at`;
}

export async function deleteDraft(db: Db, incidentId: string, actorId: string): Promise<void> {
  await db`delete from console_notice_drafts where incident_id = ${incidentId} and actor_id = ${actorId}`;
}
