// API keys: issued once in clear, stored only as a hash, revocable; the last admin cannot be revoked.
import type { Db } from '../db/client.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Role } from '../http/context.js';
import { inTransaction } from '../db/client.js';
import { randomToken, sha256Hex } from '../lib/hash.js';
import { newId } from '../lib/ids.js';
import * as store from './store.js';

export type ApiKey = store.ApiKeyRow;

const tokenPrefixLength = 11;

/** The part of a token kept in clear to tell keys apart (as listed; never enough to use the key). */
export const tokenPrefix = (token: string) => token.slice(0, tokenPrefixLength);

export function hashToken(token: string): string {
  return sha256Hex(token);
}

/**
 * Recently seen keys, so a busy client does not cost a query per request. A revocation is
 * seen at once by the process that made it and within `keyCacheMs` by the others.
 */
export const keyCacheMs = 10_000;
const keyCache = new Map<string, { key: ApiKey | undefined; until: number }>();
const keyCacheLimit = 10_000;

export async function findActiveKeyByToken(db: Db, token: string, nowMs = performance.timeOrigin + performance.now()): Promise<ApiKey | undefined> {
  if (token.length > 200) return undefined;
  const hash = hashToken(token);
  const cached = keyCache.get(hash);
  if (cached && cached.until > nowMs) return cached.key;
  const key = await store.selectActiveByHash(db, hash);
  // Unknown tokens are not cached: a flood of random tokens must not evict real ones.
  if (key) {
    if (keyCache.size >= keyCacheLimit) keyCache.delete(keyCache.keys().next().value!);
    keyCache.set(hash, { key, until: nowMs + keyCacheMs });
  }
  return key;
}

/** Creates a key and returns its token; the token is shown this once and never stored. */
export async function issueKey(
  db: Db,
  input: { name: string; role: Role; createdBy: string | null; now: Date; token?: string },
): Promise<{ key: ApiKey; token: string }> {
  const token = input.token ?? `bk_${randomToken(32)}`;
  const key = await store.insertKey(db, {
    id: newId('key', input.now),
    name: input.name,
    role: input.role,
    tokenHash: hashToken(token),
    tokenPrefix: tokenPrefix(token),
    createdAt: input.now,
    createdBy: input.createdBy,
  });
  if (!key) throw new ConflictError('a key with this token already exists');
  return { key, token };
}

export type BootstrapResult =
  | { kind: 'created'; token: string }
  | { kind: 'from-environment'; created: boolean }
  | { kind: 'existing' };

/**
 * Makes sure an admin can get in on first start: the configured token is registered,
 * or, when the database has no keys at all, a new admin key is created and returned once.
 */
export async function bootstrapAdminKey(db: Db, configuredToken: string | undefined, now: Date): Promise<BootstrapResult> {
  return inTransaction(db, async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('breachkit:bootstrap-admin:' || current_schema()))`;
    if (configuredToken) {
      const exists = await store.existsByHash(tx, hashToken(configuredToken));
      if (!exists) await issueKey(tx, { name: 'admin (from BREACHKIT_ADMIN_TOKEN)', role: 'admin', createdBy: null, now, token: configuredToken });
      return { kind: 'from-environment', created: !exists };
    }
    if ((await store.countKeys(tx)) > 0) return { kind: 'existing' };
    const { token } = await issueKey(tx, { name: 'first admin', role: 'admin', createdBy: null, now });
    return { kind: 'created', token };
  });
}

export function listKeys(db: Db, includeRevoked: boolean): Promise<ApiKey[]> {
  return store.selectKeys(db, includeRevoked);
}

export async function revokeKey(db: Db, id: string, now: Date): Promise<ApiKey> {
  return inTransaction(db, async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('breachkit:api-keys:' || current_schema()))`;
    const key = await store.selectKey(tx, id);
    if (!key) throw new NotFoundError('API key', id);
    if (key.revoked_at) return key;
    if (key.role === 'admin' && (await store.countActiveAdmins(tx)) <= 1) {
      throw new ConflictError('this is the last active admin key; issue another admin key before revoking it');
    }
    await store.markRevoked(tx, id, now);
    for (const [hash, entry] of keyCache) if (entry.key?.id === id) keyCache.delete(hash);
    return { ...key, revoked_at: now };
  });
}
