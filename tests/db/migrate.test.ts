import { afterEach, expect, it, describe } from 'vitest';
import { migrate, migrationsFromFiles, MigrationError } from '../../src/db/migrate.js';
import { readMigrations } from '../../src/db/node.js';
import { connectToSchema, createTestDatabase, dbModes, freshSchema, testDatabaseUrl, type TestDatabase } from '../helpers/db.js';

const opened: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((d) => d.close()));
});

describe('migration files', () => {
  it('refuse bad names and gaps', () => {
    expect(() => migrationsFromFiles({ 'init.sql': '' })).toThrow(/001_name/);
    expect(() => migrationsFromFiles({ '001_a.sql': '', '003_c.sql': '' })).toThrow(/002 is missing/);
    expect(migrationsFromFiles({ '002_b.sql': 'b', '001_a.sql': 'a' }).map((m) => m.name)).toEqual(['a', 'b']);
  });
});

for (const mode of dbModes) {
  describe(`migrations [${mode}]`, () => {
    it('apply once, then nothing; a changed applied migration stops the start', async () => {
      const db = await createTestDatabase(mode, { migrate: false });
      opened.push(db);
      const migrations = readMigrations();
      const first = await migrate(db.sql, migrations);
      expect(first.applied).toEqual(migrations.map((m) => `${String(m.version).padStart(3, '0')}_${m.name}`));
      expect((await migrate(db.sql, migrations)).applied).toEqual([]);
      const tampered = migrations.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edited` } : m));
      await expect(migrate(db.sql, tampered)).rejects.toBeInstanceOf(MigrationError);
      await expect(migrate(db.sql, migrations.slice(0, -1))).rejects.toThrow(/newer than this build/);
    });
  });
}

describe.runIf(testDatabaseUrl)('concurrent starts [postgres]', () => {
  it('two processes migrating the same database at once both succeed, each migration applied once', async () => {
    const db = await freshSchema();
    opened.push(db);
    const clients = [connectToSchema(db.schema!), connectToSchema(db.schema!), connectToSchema(db.schema!)];
    try {
      const results = await Promise.all(clients.map((c) => migrate(c, readMigrations())));
      const appliedCounts = results.map((r) => r.applied.length);
      expect(appliedCounts.filter((n) => n > 0)).toHaveLength(1);
      const rows = await db.sql`select version, count(*)::int as n from schema_migrations group by version`;
      expect(rows.every((r) => r.n === 1)).toBe(true);
      expect(rows).toHaveLength(readMigrations().length);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
});
