// SQL for API keys.
import type { Db } from '../db/client.js';
import type { Role } from '../http/context.js';

export interface ApiKeyRow {
  id: string;
  name: string;
  role: Role;
  token_prefix: string;
  created_at: Date;
  created_by: string | null;
  revoked_at: Date | null;
}

export async function insertKey(
  db: Db,
  key: { id: string; name: string; role: Role; tokenHash: string; tokenPrefix: string; createdAt: Date; createdBy: string | null },
): Promise<ApiKeyRow | undefined> {
  const [row] = await db<ApiKeyRow[]>`
    insert into api_keys (id, name, role, token_hash, token_prefix, created_at, created_by)
    values (${key.id}, ${key.name}, ${key.role}, ${key.tokenHash}, ${key.tokenPrefix}, ${key.createdAt}, ${key.createdBy})
    on conflict (token_hash) do nothing
    returning id, name, role, token_prefix, created_at, created_by, revoked_at`;
  return row;
}

export async function selectActiveByHash(db: Db, tokenHash: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db<ApiKeyRow[]>`
    select id, name, role, token_prefix, created_at, created_by, revoked_at
    from api_keys where token_hash = ${tokenHash} and revoked_at is null`;
  return row;
}

export async function existsByHash(db: Db, tokenHash: string): Promise<boolean> {
  const [row] = await db`select 1 from api_keys where token_hash = ${tokenHash}`;
  return row !== undefined;
}

export async function countActiveAdmins(db: Db): Promise<number> {
  const [row] = await db<{ n: number }[]>`select count(*)::int as n from api_keys where role = 'admin' and revoked_at is null`;
  return row!.n;
}

export async function countKeys(db: Db): Promise<number> {
  const [row] = await db<{ n: number }[]>`select count(*)::int as n from api_keys`;
  return row!.n;
}

export async function selectKeys(db: Db, includeRevoked: boolean): Promise<ApiKeyRow[]> {
  return db<ApiKeyRow[]>`
    select id, name, role, token_prefix, created_at, created_by, revoked_at from api_keys
    where ${includeRevoked} or revoked_at is null
    order by created_at, id`;
}

export async function selectKey(db: Db, id: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db<ApiKeyRow[]>`
    select id, name, role, token_prefix, created_at, created_by, revoked_at from api_keys where id = ${id}`;
  return row;
}

export async function markRevoked(db: Db, id: string, at: Date): Promise<void> {
  await db`update api_keys set revoked_at = ${at} where id = ${id} and revoked_at is null`;
}
