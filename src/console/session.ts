// Console sessions: a random id in an HttpOnly cookie, only its hash in the database; idle and absolute ends; CSRF tokens.
import type { Db } from '../db/client.js';
import type { Principal, Role } from '../http/context.js';
import { randomToken, sha256Hex } from '../lib/hash.js';
import * as store from './store.js';

export interface ConsoleSession {
  idHash: string;
  keyId: string | null;
  actorId: string;
  name: string;
  role: Role;
  method: 'api_key' | 'oidc';
  createdAt: Date;
  expiresAt: Date;
}

export interface SessionLimits {
  idleMs: number;
  maxMs: number;
}

/** How long a started single sign-on may take before its login is forgotten. */
export const loginTtlMs = 10 * 60 * 1000;
/** Seen again within this, a session's last use is not written again (one write a minute at most). */
const touchEveryMs = 60 * 1000;

const hashOf = (token: string) => sha256Hex(`console-session:${token}`);

export interface NewSession {
  keyId: string | null;
  actorId: string;
  name: string;
  role: Role;
  method: ConsoleSession['method'];
}

/** Opens a session and returns its token: it goes in the cookie and is stored nowhere. */
export async function openSession(db: Db, who: NewSession, now: Date, limits: SessionLimits): Promise<{ token: string; session: ConsoleSession }> {
  const token = randomToken(32);
  const row = { id_hash: hashOf(token), key_id: who.keyId, actor_id: who.actorId, name: who.name, role: who.role, method: who.method, created_at: now, last_seen_at: now, expires_at: new Date(now.getTime() + limits.maxMs) };
  await store.deleteExpired(db, now, new Date(now.getTime() - limits.idleMs), new Date(now.getTime() - loginTtlMs));
  await store.insertSession(db, row);
  return { token, session: sessionOf(row) };
}

export type Resolved = { session: ConsoleSession } | { ended: 'unknown' | 'idle' | 'expired' | 'revoked' };

/** The live session for a token; an idle, expired or revoked one is removed and says why. */
export async function resolveSession(db: Db, token: string, now: Date, limits: SessionLimits): Promise<Resolved> {
  if (token.length > 100) return { ended: 'unknown' };
  const row = await store.selectSession(db, hashOf(token));
  if (!row) return { ended: 'unknown' };
  const ended = row.key_revoked_at ? 'revoked' : row.expires_at <= now ? 'expired' : now.getTime() - row.last_seen_at.getTime() >= limits.idleMs ? 'idle' : null;
  if (ended) {
    await store.deleteSession(db, row.id_hash);
    return { ended };
  }
  if (now.getTime() - row.last_seen_at.getTime() >= touchEveryMs) await store.touchSession(db, row.id_hash, now);
  return { session: sessionOf(row) };
}

export async function endSession(db: Db, token: string): Promise<void> {
  await store.deleteSession(db, hashOf(token));
}

/** The CSRF token of a session: derived from the secret in the cookie, so it is stored nowhere and a copy of the database cannot forge it. */
export function csrfTokenOf(sessionToken: string): string {
  return sha256Hex(`console-csrf:${sessionToken}`);
}

/** Compares without stopping at the first difference. */
export function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Who acts for the services and on the timeline: the same shape an API key gives. */
export function principalOf(s: ConsoleSession): Principal {
  return { keyId: s.actorId, name: s.name, role: s.role };
}

function sessionOf(row: Omit<store.SessionRow, 'key_revoked_at'>): ConsoleSession {
  return { idHash: row.id_hash, keyId: row.key_id, actorId: row.actor_id, name: row.name, role: row.role, method: row.method, createdAt: row.created_at, expiresAt: row.expires_at };
}

