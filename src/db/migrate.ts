// Applies numbered SQL migrations in one transaction under an advisory lock, so concurrent starts are safe.
import type { Sql } from './client.js';
import { sha256Hex } from '../lib/hash.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface MigrationResult {
  applied: string[];
  current: number;
}

export class MigrationError extends Error {}

/** Parses `NNN_name.sql` file names into ordered migrations; duplicates or gaps are refused. */
export function migrationsFromFiles(files: Record<string, string>): Migration[] {
  const list = Object.entries(files).map(([file, text]) => {
    const m = /^(\d{3,})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) throw new MigrationError(`migration file name ${file} must look like 001_name.sql`);
    return { version: Number(m[1]), name: m[2]!, sql: text };
  });
  list.sort((a, b) => a.version - b.version);
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new MigrationError(`migration ${String(i + 1).padStart(3, '0')} is missing (found ${m.version})`);
  });
  return list;
}

export async function migrate(sql: Sql, migrations: Migration[]): Promise<MigrationResult> {
  return sql.begin(async (tx) => {
    // Keyed by schema, so separate schemas (tests) migrate independently.
    await tx`select pg_advisory_xact_lock(hashtext('breachkit:migrate:' || current_schema()))`;
    await tx`
      create table if not exists schema_migrations (
        version int primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`;
    const done = await tx<{ version: number; name: string; checksum: string }[]>`
      select version, name, checksum from schema_migrations order by version`;
    const byVersion = new Map(done.map((r) => [r.version, r]));
    const applied: string[] = [];
    for (const m of migrations) {
      const checksum = sha256Hex(m.sql);
      const prior = byVersion.get(m.version);
      if (prior) {
        if (prior.checksum !== checksum) {
          throw new MigrationError(`migration ${m.version}_${m.name} was changed after it was applied; add a new migration instead`);
        }
        continue;
      }
      await tx.unsafe(m.sql);
      await tx`insert into schema_migrations (version, name, checksum) values (${m.version}, ${m.name}, ${checksum})`;
      applied.push(`${String(m.version).padStart(3, '0')}_${m.name}`);
    }
    const newest = Math.max(0, ...done.map((r) => r.version));
    const known = migrations.length;
    if (newest > known) throw new MigrationError(`the database is at migration ${newest}, newer than this build (${known})`);
    return { applied, current: Math.max(newest, known) };
  }) as Promise<MigrationResult>;
}
